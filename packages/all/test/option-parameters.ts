/**
 * Lists, from the published type declarations, every exported function and class constructor of
 * the public packages that takes an options object, so the unknown-option test cannot miss one
 * added later: a new export with an options parameter fails that test until it has a call.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** One options parameter: `SGD` takes it at index 1, `Linear` at 2. */
export interface OptionParameter {
  pkg: string;
  name: string;
  index: number;
  /** The first signature with the parameter, as the declarations spell it. */
  signature: string;
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The public packages whose API the test walks, by directory. */
export const WALKED_PACKAGES: Readonly<Record<string, string>> = {
  '@nn/tensor': 'tensor',
  '@nn/autograd': 'autograd',
  '@nn/layers': 'layers',
  '@nn/losses': 'losses',
  '@nn/optim': 'optim',
  '@nn/data': 'data',
  '@nn/train': 'train',
  '@nn/io': 'io',
  '@nn/backend-cpu': 'backend-cpu',
  '@nn/backend-wasm': 'backend-wasm',
  '@nn/backend-webgpu': 'backend-webgpu',
};

// A parameter is an options object by its name or its declared type's name.
const OPTION_NAMES = /^(options|opts|config|hooks)$/;
const OPTION_TYPES = /(Options|Config)$/;

function isOptionParameter(p: ts.Symbol, checker: ts.TypeChecker): boolean {
  const decl = p.valueDeclaration;
  if (!decl) return false;
  const type = checker.getNonNullableType(checker.getTypeOfSymbolAtLocation(p, decl));
  const parts = type.isUnion() ? type.types : [type];
  const names = parts.map((t) => (t.aliasSymbol ?? t.getSymbol())?.name ?? '');
  // Error's own `{ cause }` (the error classes' second argument) is JavaScript's, not an nn option.
  if (names.includes('ErrorOptions')) return false;
  return OPTION_NAMES.test(p.name) || names.some((n) => OPTION_TYPES.test(n));
}

function signaturesOf(symbol: ts.Symbol, checker: ts.TypeChecker): readonly ts.Signature[] {
  const decl = symbol.valueDeclaration ?? symbol.declarations?.[0];
  if (!decl) return [];
  const type = checker.getTypeOfSymbolAtLocation(symbol, decl);
  if (symbol.flags & ts.SymbolFlags.Class) return type.getConstructSignatures();
  if (symbol.flags & (ts.SymbolFlags.Function | ts.SymbolFlags.Variable)) return type.getCallSignatures();
  return [];
}

/** Every exported function or constructor with an options parameter, read from each package's dist/index.d.ts. */
export function optionParameters(): OptionParameter[] {
  const entries = Object.entries(WALKED_PACKAGES).map(([pkg, dir]) => ({
    pkg,
    file: join(root, 'packages', dir, 'dist', 'index.d.ts'),
  }));
  const missing = entries.filter((e) => !existsSync(e.file));
  if (missing.length) throw new Error(`build first: no ${missing.map((m) => m.file).join(', ')}`);
  const program = ts.createProgram(
    entries.map((e) => e.file),
    { strict: true, skipLibCheck: true, noEmit: true, types: [] },
  );
  const checker = program.getTypeChecker();
  const found: OptionParameter[] = [];
  for (const { pkg, file } of entries) {
    const source = program.getSourceFile(file);
    const moduleSymbol = source && checker.getSymbolAtLocation(source);
    if (!moduleSymbol) throw new Error(`cannot read the exports of ${pkg}`);
    const add = (name: string, sigs: readonly ts.Signature[]) => {
      const indices = new Map<number, string>();
      for (const sig of sigs) {
        sig.parameters.forEach((p, i) => {
          if (isOptionParameter(p, checker) && !indices.has(i))
            indices.set(i, checker.signatureToString(sig));
        });
      }
      for (const [index, signature] of indices) found.push({ pkg, name, index, signature });
    };
    // Methods (instance `A#m`, static `A.m`) declared by the class itself: inherited ones are
    // listed once, at the class that declares them.
    const walkMembers = (className: string, cls: ts.Symbol) => {
      const decl = cls.valueDeclaration;
      if (!decl) return;
      const members = [
        ...checker.getPropertiesOfType(checker.getDeclaredTypeOfSymbol(cls)).map((m) => [m, '#'] as const),
        ...checker
          .getPropertiesOfType(checker.getTypeOfSymbolAtLocation(cls, decl))
          .map((m) => [m, '.'] as const),
      ];
      for (const [m, sep] of members) {
        if (!(m.flags & ts.SymbolFlags.Method)) continue;
        if (!m.declarations?.some((d) => d.parent === decl)) continue;
        // Protected members (an optimizer's validate) are for subclasses, not users.
        if (
          m.declarations.some(
            (d) => ts.getCombinedModifierFlags(d) & ts.ModifierFlags.NonPublicAccessibilityModifier,
          )
        )
          continue;
        add(`${className}${sep}${m.name}`, checker.getTypeOfSymbolAtLocation(m, decl).getCallSignatures());
      }
    };
    const walk = (prefix: string, exports: readonly ts.Symbol[]) => {
      for (const exported of exports) {
        const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
        const name = `${prefix}${exported.name}`;
        // `export * as init`: a namespace's functions are public API too.
        if (symbol.flags & ts.SymbolFlags.ValueModule) {
          walk(`${name}.`, checker.getExportsOfModule(symbol));
          continue;
        }
        add(name, signaturesOf(symbol, checker));
        if (symbol.flags & ts.SymbolFlags.Class) walkMembers(name, symbol);
      }
    };
    walk('', checker.getExportsOfModule(moduleSymbol));
  }
  return found;
}
