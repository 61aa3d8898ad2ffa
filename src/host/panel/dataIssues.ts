/**
 * Host side of the "Data issues" card: runs the check in a trainer process, writes a suggested label into the
 * dataset file as an undoable WorkspaceEdit (only the label's characters change), and saves the list.
 */
import * as vscode from 'vscode';
import { labelSpan, RelabelError, type RelabelFormat } from '../../ml/audit/relabel';
import type { DataIssues } from '../../protocol/dataIssues';

/** Replaces the label on `line` (1-based) of `file`; throws RelabelError with a reason the user can act on. */
export async function relabelInFile(file: string, format: string, labelColumn: string, line: number, from: string, to: string): Promise<void> {
  if (format !== 'csv' && format !== 'tsv' && format !== 'jsonl') throw new RelabelError(`relabelling works in CSV, TSV and JSONL files, not ${format.toUpperCase()}; edit line ${line} by hand`);
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
  if (line < 1 || line > doc.lineCount) throw new RelabelError(`the file has no line ${line} now`);
  const text = doc.lineAt(line - 1).text;
  const header = format === 'jsonl' ? undefined : doc.lineAt(0).text;
  const span = labelSpan(format as RelabelFormat, text, labelColumn, from, to, header);
  const edit = new vscode.WorkspaceEdit();
  edit.replace(doc.uri, new vscode.Range(line - 1, span.start, line - 1, span.end), span.replacement);
  if (!(await vscode.workspace.applyEdit(edit))) throw new RelabelError('the editor refused the change');
  await doc.save();
}

/** Asks where to save and writes the issues as JSON. */
export async function exportIssues(report: DataIssues): Promise<string | undefined> {
  const target = await vscode.window.showSaveDialog({
    defaultUri: vscode.Uri.file(report.file.replace(/\.[^./\\]+$/, '') + '.issues.json'),
    filters: { JSON: ['json'] },
    title: 'Save the data issues',
  });
  if (!target) return undefined;
  await vscode.workspace.fs.writeFile(target, Buffer.from(JSON.stringify(report, null, 2) + '\n', 'utf8'));
  return target.fsPath;
}
