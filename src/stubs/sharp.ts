/**
 * Stands in for `sharp` in the esbuild bundle: transformers.js imports it for image models, which
 * Fine-tune never loads (text only), and the native package would not ship in the extension.
 */
function sharp(): never {
  throw new Error('image processing is not available in Fine-tune (sharp is not bundled)');
}
export default sharp;
