// The import loads handlebars' global `hbs.AST` types.
import type {} from 'handlebars';
import { CONTEXT_BLOCK_HELPERS, HELPER_NAMES, roleOf } from './handlebars-env.js';

type Node = hbs.AST.Node;
type Program = hbs.AST.Program;
type PathExpression = hbs.AST.PathExpression;

/** A problem found in the template, with its line in the template body (1-based). */
export interface TemplateProblem {
  message: string;
  line: number;
}

export interface TemplateAnalysis {
  /** Root-level variable names, in order of first use. */
  variables: string[];
  problems: TemplateProblem[];
  /** True when a helper's argument from the data can make rendering fail: `{{role someVariable}}`. */
  renderDependsOnData: boolean;
  /**
   * True when the template reads the root context as a whole (`{{this}}`, `{{json this}}`,
   * `{{#each this}}`, `{{lookup this key}}`, `@root`): which variables it uses then depends on
   * the data, so `variables` is not the whole list.
   */
  readsWholeContext: boolean;
}

interface Frame {
  /** True when this frame starts a new `this` (each / with bodies, and the root). */
  changesContext: boolean;
  blockParams: ReadonlySet<string>;
}

/**
 * Walks a parsed template and collects the root-level names it reads (first path segment only:
 * `user.name` → `user`). Names inside `{{#each}}` / `{{#with}}` bodies refer to the inner context
 * unless they climb out with `../` or use `@root.`; block params and helper names are not
 * variables. Also reports what cannot work at render time: unknown helpers, `{{role}}` with an
 * unknown name, partials and `{{media}}`.
 */
export function analyzeTemplate(ast: Program): TemplateAnalysis {
  const found = new Set<string>();
  const problems: TemplateProblem[] = [];
  let renderDependsOnData = false;
  let readsWholeContext = false;
  const frames: Frame[] = [{ changesContext: true, blockParams: new Set() }];

  const problem = (node: Node, message: string) => problems.push({ message, line: node.loc?.start.line ?? 1 });

  const readPath = (path: PathExpression) => {
    const name = rootNameOf(path, frames);
    if (name === ROOT_CONTEXT) readsWholeContext = true;
    else if (name !== undefined) found.add(name);
  };

  const expression = (node: Node | undefined): void => {
    if (!node) return;
    if (node.type === 'PathExpression') readPath(node as PathExpression);
    else if (node.type === 'SubExpression') call(node as hbs.AST.SubExpression, true);
  };

  const args = (node: { params: Node[]; hash?: hbs.AST.Hash }) => {
    node.params.forEach(expression);
    for (const pair of node.hash?.pairs ?? []) expression(pair.value);
  };

  /** A mustache or sub-expression: a helper call, or (mustache without arguments) a value read. */
  const call = (node: hbs.AST.MustacheStatement | hbs.AST.SubExpression, isCall: boolean) => {
    const path = node.path as Node;
    const hasArgs = node.params.length > 0 || (node.hash?.pairs.length ?? 0) > 0;
    const helper = path.type === 'PathExpression' ? helperName(path as PathExpression) : undefined;
    if (helper !== undefined && HELPER_NAMES.has(helper)) {
      checkHelper(helper, node, problem);
      if (helper === 'role' && node.params[0] !== undefined && node.params[0].type !== 'StringLiteral') renderDependsOnData = true;
    } else if (helper !== undefined && (hasArgs || isCall)) {
      problem(node, `unknown helper '${helper}'`);
    } else {
      expression(path);
    }
    args(node);
  };

  const program = (node: Program | undefined, changesContext: boolean) => {
    if (!node) return;
    frames.push({ changesContext, blockParams: new Set(node.blockParams ?? []) });
    node.body.forEach(statement);
    frames.pop();
  };

  const statement = (node: Node): void => {
    switch (node.type) {
      case 'MustacheStatement':
        call(node as hbs.AST.MustacheStatement, false);
        return;
      case 'BlockStatement':
      case 'DecoratorBlock': {
        const block = node as hbs.AST.BlockStatement;
        const helper = helperName(block.path);
        const hasArgs = block.params.length > 0 || (block.hash?.pairs.length ?? 0) > 0;
        let changesContext = true;
        if (helper !== undefined && HELPER_NAMES.has(helper)) {
          changesContext = CONTEXT_BLOCK_HELPERS.has(helper);
        } else if (helper !== undefined && hasArgs) {
          problem(block, `unknown block helper '${helper}'`);
        } else {
          readPath(block.path); // `{{#items}}…{{/items}}`: a section over a value
        }
        args(block);
        program(block.program, changesContext);
        program(block.inverse, false);
        return;
      }
      case 'PartialStatement':
      case 'PartialBlockStatement':
        problem(node, 'partials ({{> name}}) are not supported');
        return;
      default:
        return; // content, comments, decorators
    }
  };

  program(ast, false);
  return { variables: [...found], problems, renderDependsOnData, readsWholeContext };
}

/** What rootNameOf returns for a path that reads the root context itself (`this` at the root, `@root`). */
const ROOT_CONTEXT = Symbol('root context');

/** The helper a path names when it is a plain identifier (`foo`, not `this.foo`, `@foo` or `a.b`). */
function helperName(path: PathExpression): string | undefined {
  if (path.type !== 'PathExpression' || path.data || path.depth > 0 || path.parts.length !== 1) return undefined;
  return isScoped(path) ? undefined : path.parts[0];
}

function isScoped(path: PathExpression): boolean {
  return /^\.|^this\b/.test(path.original);
}

/**
 * The root variable a path reads; ROOT_CONTEXT when it reads the root context as a whole; undefined
 * when it reads an inner context, a block param or other @data.
 */
function rootNameOf(path: PathExpression, frames: Frame[]): string | typeof ROOT_CONTEXT | undefined {
  if (path.data) return path.parts[0] === 'root' ? (path.parts.length > 1 ? path.parts[1] : ROOT_CONTEXT) : undefined;
  const first = path.parts[0];
  if (!isScoped(path) && path.depth === 0 && first !== undefined && frames.some((frame) => frame.blockParams.has(first))) return undefined;
  // `../` climbs context frames only: `{{#if}}` keeps the context, as in Handlebars.
  let contexts = 0;
  for (const frame of frames) if (frame.changesContext) contexts++;
  if (contexts - 1 - path.depth !== 0) return undefined;
  return first === undefined ? ROOT_CONTEXT : first; // `{{this}}` / `{{.}}` at the root: the whole context
}

function checkHelper(
  helper: string,
  node: hbs.AST.MustacheStatement | hbs.AST.SubExpression,
  problem: (node: Node, message: string) => void,
): void {
  if (helper === 'media') {
    problem(node, '{{media}} is not supported (promptgate sends text messages)');
  } else if (helper === 'role') {
    const [name] = node.params;
    if (!name) problem(node, '{{role}} needs a name: {{role "system"}}, {{role "user"}} or {{role "assistant"}}');
    else if (name.type === 'StringLiteral' && !roleOf((name as hbs.AST.StringLiteral).value)) {
      problem(node, `unknown role "${(name as hbs.AST.StringLiteral).value}" (use "system", "user" or "assistant")`);
    }
  }
}
