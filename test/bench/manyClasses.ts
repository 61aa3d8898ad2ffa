/** Many classes: placeholder until the sampled softmax lands. */
export async function manyClasses(_quick: boolean): Promise<string[]> {
  return [];
}
