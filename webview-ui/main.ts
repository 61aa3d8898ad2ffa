/** The run panel's entry point (bundled by esbuild into dist/webview.js and dist/webview.css). */
import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { App } from './app';
import { tagCodiconStylesheet } from './elements';

tagCodiconStylesheet();
const root = document.getElementById('app') ?? document.body.appendChild(document.createElement('div'));
new App(root);
