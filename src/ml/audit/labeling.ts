/** "Label next examples": the text to append to a dataset file for one newly labeled row (the rest of the file untouched). */
import { csvQuote, splitRecordLine, type RelabelFormat } from './relabel';

/**
 * `content`: the file as it is now (its header and line endings decide the row's shape). CSV/TSV rows fill the
 * text and label columns and leave the others empty; JSONL rows are {text column: text, label column: label}.
 * A file that does not end with a line break gets one first.
 */
export function rowToAppend(format: RelabelFormat, content: string, textColumn: string, labelColumn: string, text: string, label: string): string {
  const eol = content.includes('\r\n') ? '\r\n' : '\n';
  const lead = content.length > 0 && !content.endsWith('\n') ? eol : '';
  if (format === 'jsonl') return `${lead}${JSON.stringify({ [textColumn]: text, [labelColumn]: label })}${eol}`;
  const delimiter = format === 'tsv' ? '\t' : ',';
  const headerLine = content.replace(/^\uFEFF/, '').split('\n', 1)[0].replace(/\r$/, '');
  const names = splitRecordLine(headerLine, delimiter).map((f) => f.value.trim());
  if (!names.includes(textColumn) || !names.includes(labelColumn)) {
    throw new Error(`the header has no "${names.includes(textColumn) ? labelColumn : textColumn}" column`);
  }
  const cells = names.map((n) => (n === textColumn ? csvQuote(text, delimiter, false) : n === labelColumn ? csvQuote(label, delimiter, false) : ''));
  return `${lead}${cells.join(delimiter)}${eol}`;
}
