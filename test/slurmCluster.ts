// The one-node Slurm cluster the Slurm tests run against (.ci/slurm.sh starts it; .ci/run sets
// FINETUNE_SLURM=require so that its absence fails there instead of skipping).
import { spawnSync } from 'node:child_process';

/** Why Slurm cannot be used here, or undefined when sbatch is on the PATH and a node answers. */
export function slurmUnusable(): string | undefined {
  const which = spawnSync('sh', ['-c', 'command -v sbatch && sinfo -h -o %t'], { encoding: 'utf8', timeout: 20_000 });
  if (which.status !== 0) return 'sbatch/sinfo not on the PATH or not answering';
  if (!/idle|mix|alloc/.test(which.stdout)) return `no usable node (sinfo: ${which.stdout.trim().split('\n').pop()})`;
  return undefined;
}

/** Fails when FINETUNE_SLURM=require, otherwise tells how to run the skipped tests; `skip` is the test's own. */
export function requireSlurmOrSkip(skip: () => never, indent = '      '): void {
  const missing = slurmUnusable();
  if (!missing) return;
  if (process.env.FINETUNE_SLURM === 'require') throw new Error(`FINETUNE_SLURM=require but Slurm is not usable: ${missing} (start it with .ci/slurm.sh)`);
  console.log(`${indent}(skipped: ${missing}; run .ci/slurm.sh to start a one-node Slurm, FINETUNE_SLURM=require to fail instead)`);
  skip();
}
