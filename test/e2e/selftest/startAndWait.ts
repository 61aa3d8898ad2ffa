// Child process for cleanup.e2e.test: starts code-server and a workbench through the harness, reports
// its marker, then either waits to be interrupted or dies of an uncaught exception.
import { CodeServer } from '../harness/codeServer';
import { SPAWN_MARKER } from '../harness/processes';
import { Workbench } from '../harness/workbench';
import { Workspace } from '../harness/workspace';

async function main(): Promise<void> {
  const ws = Workspace.create({ 'a.txt': { text: 'hello\n' } });
  const server = await CodeServer.start();
  await Workbench.open(server, ws.dir);
  // Wait until an extension host runs, so the test sees the whole tree.
  for (let i = 0; i < 100 && server.processes().length < 2; i++) await new Promise((r) => setTimeout(r, 200));
  console.log(`READY ${SPAWN_MARKER} ${server.processes().length} ${server.root} ${ws.dir}`);
  if (process.argv[2] === 'throw') setTimeout(() => { throw new Error('deliberate crash'); }, 100);
  else setInterval(() => undefined, 1000);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
