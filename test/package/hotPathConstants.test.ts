import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { builtChunks } from './builtPackage.js';

/**
 * The per-trade paths of the built package, as `Class.method` or a function's name. A binding one
 * of them imports from another chunk is a live binding to V8: loaded, hole-checked and unboxed on
 * every read, where a `const` of its own chunk is folded into the code (that cost BarAggregator.push
 * 26 of its 489 instructions a trade, and decodeTradeBatch 53 of 223).
 */
const PER_TRADE = [
  'BarAggregator.push',
  'KeyedBarAggregator.push',
  'RegimeDetector.pushTrade',
  'RegimeRouter.pushTrade',
  'TradeFrameParser.parseBytes',
  'TradeFrameParser.readBytes',
  'TradeFrameParser.#scan',
  'TradeBatch.readTrade',
  'decodeTradeBatch',
];

interface Chunk {
  file: ts.SourceFile;
  /** Local name → the chunk and exported name it is imported from. */
  imports: Map<string, { from: string; name: string }>;
  /** Exported name → local name. */
  exports: Map<string, string>;
  /** Top-level local names bound to a function or a class. */
  code: Set<string>;
}

function readChunk(name: string, text: string): Chunk {
  const file = ts.createSourceFile(name, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
  const chunk: Chunk = { file, imports: new Map(), exports: new Map(), code: new Set() };
  for (const statement of file.statements) {
    if (ts.isImportDeclaration(statement)) {
      const bindings = statement.importClause?.namedBindings;
      if (!bindings || !ts.isNamedImports(bindings)) continue;
      const from = (statement.moduleSpecifier as ts.StringLiteral).text.replace(/^\.\//, '');
      for (const e of bindings.elements)
        chunk.imports.set(e.name.text, { from, name: (e.propertyName ?? e.name).getText(file) });
    } else if (
      ts.isExportDeclaration(statement) &&
      statement.exportClause &&
      ts.isNamedExports(statement.exportClause)
    ) {
      for (const e of statement.exportClause.elements)
        chunk.exports.set(e.name.text, (e.propertyName ?? e.name).getText(file));
    } else if (ts.isFunctionDeclaration(statement) && statement.name) chunk.code.add(statement.name.text);
    else if (ts.isClassDeclaration(statement) && statement.name) chunk.code.add(statement.name.text);
    else if (ts.isVariableStatement(statement))
      for (const d of statement.declarationList.declarations)
        if (
          ts.isIdentifier(d.name) &&
          d.initializer &&
          (ts.isClassExpression(d.initializer) ||
            ts.isFunctionExpression(d.initializer) ||
            ts.isArrowFunction(d.initializer))
        )
          chunk.code.add(d.name.text);
  }
  return chunk;
}

/** The body of each per-trade path, by its name in {@link PER_TRADE}, with its chunk. */
function perTradeBodies(chunks: Map<string, Chunk>): Map<string, { chunk: Chunk; body: ts.Node }> {
  const found = new Map<string, { chunk: Chunk; body: ts.Node }>();
  for (const chunk of chunks.values()) {
    const visit = (node: ts.Node, owner: string | undefined): void => {
      let className = owner;
      if (ts.isVariableDeclaration(node) && node.initializer && ts.isClassExpression(node.initializer))
        className = node.name.getText(chunk.file);
      else if (ts.isClassDeclaration(node) && node.name) className = node.name.text;
      let name: string | undefined;
      let body: ts.Node | undefined;
      if (ts.isMethodDeclaration(node) && className) {
        name = `${className}.${node.name.getText(chunk.file)}`;
        body = node.body;
      } else if (ts.isFunctionDeclaration(node) && node.name) {
        name = node.name.text;
        body = node.body;
      }
      if (name !== undefined && body !== undefined && PER_TRADE.includes(name))
        found.set(name, { chunk, body });
      node.forEachChild((child) => visit(child, className));
    };
    visit(chunk.file, undefined);
  }
  return found;
}

let chunks: Map<string, Chunk>;

beforeAll(() => {
  chunks = new Map([...builtChunks()].map(([name, text]) => [name, readChunk(name, text)]));
});

describe('the per-trade paths of the build', () => {
  it('read no value imported from another chunk, only constants of their own', () => {
    const bodies = perTradeBodies(chunks);
    expect([...bodies.keys()].sort()).toEqual([...PER_TRADE].sort());
    const reads: string[] = [];
    for (const [path, { chunk, body }] of bodies) {
      const visit = (node: ts.Node): void => {
        const imported = ts.isIdentifier(node) ? chunk.imports.get(node.text) : undefined;
        if (imported) {
          const source = chunks.get(imported.from);
          const local = source?.exports.get(imported.name);
          // Imported functions and classes are called, not folded; a value is read.
          if (local === undefined || !source?.code.has(local)) reads.push(`${path} reads ${imported.name}`);
        }
        node.forEachChild(visit);
      };
      visit(body);
    }
    expect(reads).toEqual([]);
  });

  it('finds a value read across chunks when there is one (the check above can fail)', () => {
    // magnitudes.ts lands in a chunk shared by every entry point; invalidTradeReason (a slow path)
    // reads its limits from there.
    const reason = [...chunks.values()].find((c) =>
      c.file.statements.some((s) => ts.isFunctionDeclaration(s) && s.name?.text === 'invalidTradeReason'),
    );
    expect(reason).toBeDefined();
    const values = [...reason!.imports.values()].filter((i) => {
      const source = chunks.get(i.from);
      return !source?.code.has(source.exports.get(i.name) ?? '');
    });
    expect(values.map((v) => v.name)).toContain('MAX_TRADE_AMOUNT');
  });
});
