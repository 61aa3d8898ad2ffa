/**
 * One short, stable name per run, the same in the panel's header and tab, the Runs view, Compare, the
 * status bar and notifications: "dataset · model · short id". It depends only on what is fixed when the run
 * is created (its name, model, mode, id), so it does not change between running and completed. Pure.
 */

/** "all-MiniLM-L6-v2" from "Xenova/all-MiniLM-L6-v2" or "/home/ada/models/all-MiniLM-L6-v2/"; "ngram" as is. */
export function shortModelName(model: string): string {
  const parts = model.split(/[\\/]/).filter((p) => p !== '');
  return parts.length ? parts[parts.length - 1] : model;
}

/** What a run trains, shortly: "ngram", "all-MiniLM-L6-v2 head", "all-MiniLM-L6-v2 fine-tuned". */
export function modelLabel(model: string, family?: string): string {
  const short = shortModelName(model);
  if (family === 'encoder') return `${short} head`;
  if (family === 'finetune') return `${short} fine-tuned`;
  return short;
}

/**
 * The id's distinguishing tail: its random suffix ("20261128-160312-spam-a3f9" → "a3f9"), else the time in
 * it ("20251128-093000-ngram" → "09:30:00"), else the id itself.
 */
export function shortRunId(id: string): string {
  const hex = id.match(/-([0-9a-f]{4})$/);
  if (hex) return hex[1];
  const time = id.match(/^\d{8}-(\d{2})(\d{2})(\d{2})/);
  return time ? `${time[1]}:${time[2]}:${time[3]}` : id;
}

export interface NameableRun {
  id: string;
  name: string;
  config: { model: string; family?: string };
}

/** "spamassassin · all-MiniLM-L6-v2 head · a3f9". */
export function runDisplayName(run: NameableRun): string {
  return [run.name, modelLabel(run.config.model, run.config.family), shortRunId(run.id)].filter(Boolean).join(' · ');
}
