// Writes the package README's examples into a directory, so the test can run
// exactly what a new user would copy: the block after `<!-- example: node -->`
// becomes example.mjs, the one after `<!-- example: browser -->` index.html.
//
//   node scripts/readme-examples.mjs DIR
import { readFileSync, writeFileSync } from 'node:fs';

const dir = process.argv[2];
if (!dir) throw new Error('usage: readme-examples.mjs DIR');
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
for (const [name, file] of [
  ['node', 'example.mjs'],
  ['browser', 'index.html'],
]) {
  const m = readme.match(new RegExp(`<!-- example: ${name} -->\\s*\`\`\`\\w*\\n([\\s\\S]*?)\\n\`\`\``));
  if (!m) throw new Error(`README.md has no \`<!-- example: ${name} -->\` code block`);
  writeFileSync(`${dir}/${file}`, m[1] + '\n');
  console.log(`wrote ${dir}/${file}`);
}
