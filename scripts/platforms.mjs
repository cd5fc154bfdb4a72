// The platform packages under npm/, one per target in package.json's napi.targets, with napi's names:
// directory npm/<platform>/, package <binaryName>-<platform>, binary <binaryName>.<platform>.node.
import fs from 'node:fs';
import path from 'node:path';

export function platformDirs(root) {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  return fs
    .readdirSync(path.join(root, 'npm'), { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => {
      const dir = path.join(root, 'npm', e.name);
      return {
        name: e.name,
        dir,
        packageName: `${pkg.napi.packageName}-${e.name}`,
        binary: path.join(dir, `${pkg.napi.binaryName}.${e.name}.node`),
      };
    });
}
