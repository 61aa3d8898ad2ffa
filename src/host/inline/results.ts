/**
 * The inline results in an editor: one `after` decoration per classified text (`→ spam 97%`) with a
 * hover listing every label. They go away on an edit, a selection change, another active editor or
 * Escape (a keybinding active while the context key `finetune.inlineResultsVisible` is set).
 */
import * as vscode from 'vscode';
import type { Prediction } from '../../protocol/types';
import type { ModelInfo } from '../../protocol/worker';
import { decorationText, hoverMarkdown, type Segment } from './format';

export const VISIBLE_CONTEXT_KEY = 'finetune.inlineResultsVisible';

/** What `finetune.inlineResults` returns (tests and other tools read the visible results). */
export interface ShownResult {
  uri: string;
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
  /** Exactly the decoration's text: `→ <label> <pct>%`. */
  text: string;
  /** The hover's markdown. */
  hover: string;
  prediction: Prediction;
}

export class InlineResults implements vscode.Disposable {
  private readonly type = vscode.window.createTextEditorDecorationType({
    after: {
      margin: '0 0 0 1em',
      color: new vscode.ThemeColor('finetune.inlineResult.foreground'),
      fontStyle: 'italic',
    },
    rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
  });
  private editor?: vscode.TextEditor;
  private shown: ShownResult[] = [];
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor() {
    this.subscriptions.push(
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.contentChanges.length > 0 && this.editor && e.document === this.editor.document) this.clear();
      }),
      vscode.window.onDidChangeTextEditorSelection((e) => {
        if (e.textEditor === this.editor) this.clear();
      }),
      vscode.window.onDidChangeActiveTextEditor((e) => {
        if (e !== this.editor) this.clear();
      }),
    );
  }

  get results(): readonly ShownResult[] {
    return this.shown;
  }

  show(editor: vscode.TextEditor, segments: readonly Segment[], predictions: readonly Prediction[], info: ModelInfo): void {
    this.clear();
    const decorations: vscode.DecorationOptions[] = [];
    segments.forEach((seg, i) => {
      const p = predictions[i];
      const range = new vscode.Range(seg.start.line, seg.start.character, seg.end.line, seg.end.character);
      const markdown = hoverMarkdown(p, info, 'finetune.openRun', { lines: seg.end.line - seg.start.line + (seg.end.character > 0 ? 1 : 0) });
      const hover = new vscode.MarkdownString(markdown, true);
      hover.isTrusted = { enabledCommands: ['finetune.openRun'] };
      const text = decorationText(p);
      decorations.push({ range, hoverMessage: hover, renderOptions: { after: { contentText: text } } });
      this.shown.push({
        uri: editor.document.uri.toString(),
        range: { start: { ...seg.start }, end: { ...seg.end } },
        text,
        hover: markdown,
        prediction: p,
      });
    });
    this.editor = editor;
    editor.setDecorations(this.type, decorations);
    void vscode.commands.executeCommand('setContext', VISIBLE_CONTEXT_KEY, decorations.length > 0);
  }

  clear(): void {
    if (!this.editor) return;
    this.editor.setDecorations(this.type, []);
    this.editor = undefined;
    this.shown = [];
    void vscode.commands.executeCommand('setContext', VISIBLE_CONTEXT_KEY, false);
  }

  dispose(): void {
    this.clear();
    this.type.dispose();
    for (const s of this.subscriptions) s.dispose();
  }
}
