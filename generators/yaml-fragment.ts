/**
 * Splicing YAML: the text of a mapping or sequence dumped on its own, moved one level in, is what it is as the value of
 * a top-level key. Lets a generator assemble one file from per-customer fragments (test/generators/incremental-split
 * holds the result to the whole-file dump, byte for byte).
 */
export const nestedYaml = (text: string): string => text.replace(/^(?=.)/gm, '  ');
