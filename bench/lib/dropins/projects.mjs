/**
 * The project both tools build in bench/dropins.mjs: a small app and the things around it that a
 * watcher should not pay for, made deterministically under the OS temp dir.
 *   src/index.js -> src/part<i>/index.js -> src/part<i>/m<j>.js, and src/style.css
 *   index.html (Vite's entry) and vite.config.mjs (adds our plugin when WATCHFILES_VITE_PLUGIN names it)
 *   node_modules/pkg<k>/{package.json,index.js,lib/a.js,lib/sub/b.js}   installed, not imported
 *   .git/objects/<xx>/<file>                                             version control
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function makeDropinProject({ parts = 20, modulesPerPart = 10, packages = 300, gitDirs = 64 } = {}) {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'wf-bench-dropins-')));
  const write = (rel, text) => {
    const file = path.join(root, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
  };
  const imports = [];
  for (let i = 0; i < parts; i++) {
    const names = [];
    for (let j = 0; j < modulesPerPart; j++) {
      write(`src/part${i}/m${j}.js`, `export const m${j} = ${i * 1000 + j};\n`);
      names.push(`m${j}`);
    }
    write(`src/part${i}/index.js`, names.map((n) => `export { ${n} } from './${n}.js';`).join('\n') + '\n');
    imports.push(`import * as part${i} from './part${i}/index.js';`);
  }
  write('src/style.css', 'body { color: black; }\n');
  write('src/index.js', `import './style.css';\n${imports.join('\n')}\nconsole.log(${[...Array(parts).keys()].map((i) => `part${i}`).join(', ')});\n`);
  write('index.html', '<!doctype html><html><body><script type="module" src="/src/index.js"></script></body></html>\n');
  write(
    'vite.config.mjs',
    `const plugins = [];
if (process.env.WATCHFILES_VITE_PLUGIN) {
  const { watchfiles } = await import(process.env.WATCHFILES_VITE_PLUGIN);
  plugins.push(watchfiles());
}
export default { plugins, clearScreen: false };
`,
  );
  for (let k = 0; k < packages; k++) {
    write(`node_modules/pkg${k}/package.json`, `{"name":"pkg${k}","version":"1.0.0"}\n`);
    write(`node_modules/pkg${k}/index.js`, 'module.exports = require("./lib/a.js");\n');
    write(`node_modules/pkg${k}/lib/a.js`, 'module.exports = require("./sub/b.js");\n');
    write(`node_modules/pkg${k}/lib/sub/b.js`, 'module.exports = 1;\n');
  }
  for (let g = 0; g < gitDirs; g++) write(`.git/objects/${g.toString(16).padStart(2, '0')}/obj`, 'x');
  write('.git/HEAD', 'ref: refs/heads/main\n');
  return root;
}
