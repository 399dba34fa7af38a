// Runs ESLint for test/lint/boundaries.test.ts outside jest, whose module sandbox cannot load
// eslint.config.mjs (ESLint reads it with a dynamic import). Reads { texts, files } as JSON on
// standard input and prints, per text and for the files, the rules each one broke.
import fs from 'node:fs';
import path from 'node:path';
import { ESLint } from 'eslint';

const { texts, files } = JSON.parse(fs.readFileSync(0, 'utf8'));
const eslint = new ESLint();
const broken = (result) => result.messages.map((message) => ({ file: path.relative(process.cwd(), result.filePath), line: message.line, rule: message.ruleId }));

const textResults = await Promise.all(texts.map(({ file, code }) => eslint.lintText(code, { filePath: path.resolve(file) })));
const fileResults = await eslint.lintFiles(files);
process.stdout.write(JSON.stringify({ texts: textResults.map(([result]) => broken(result)), files: fileResults.flatMap(broken) }));
