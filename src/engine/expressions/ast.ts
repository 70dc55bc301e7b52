/**
 * Cloudinary's expression language as parsed values: what `if_`, `$name_`
 * and expression-valued parameters (`w_iw_div_2`) hold until the image they
 * run on is known.
 */
export const ARITHMETIC = ['add', 'sub', 'mul', 'div', 'mod', 'pow'] as const;
export const COMPARISONS = ['eq', 'ne', 'lt', 'gt', 'lte', 'gte', 'in', 'nin'] as const;
export const LOGICAL = ['and', 'or'] as const;
export type Operator = (typeof ARITHMETIC)[number] | (typeof COMPARISONS)[number] | (typeof LOGICAL)[number];

/**
 * Predefined variables an image has: current and initial width, height and
 * aspect ratio, page count, face count, current page, and its tags.
 */
export const PREDEFINED = ['w', 'h', 'ar', 'iw', 'ih', 'iar', 'pc', 'fc', 'cp', 'tags'] as const;
export type Predefined = (typeof PREDEFINED)[number];

export type Expr =
  | { kind: 'number'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'predefined'; name: Predefined }
  | { kind: 'user'; name: string }
  /** `ctx:!key!` (the asset's contextual metadata) and `md:!key!` (its structured metadata). */
  | { kind: 'lookup'; source: 'ctx' | 'md'; key: string }
  | { kind: 'binary'; op: Operator; left: Expr; right: Expr };

/** What a component holds beyond its fixed parameters, evaluated when the engine reaches it. */
export interface Dynamic {
  /** `if_<condition>`: alone in its component it opens a block that `if_else`/`if_end` continue; with other items it guards only them. */
  condition?: Expr;
  /** `if_else` or `if_end`, alone in their component. */
  branch?: 'else' | 'end';
  /** `$name_<value>` in the order written (a later one may use an earlier one). */
  assignments: { name: string; value: Expr }[];
  /** Parameters whose value holds an expression: the value's pieces, text and expressions, joined with `:`. */
  deferred: { key: string; parts: (string | Expr)[] }[];
  /** `w_auto[:<step>[:<fallback>]]`: the width comes from the request's width hint. */
  autoWidth?: { step: number; fallback?: number };
}

/** Whether any expression of the components has a part that passes `test`. */
function anyExpression(components: { dynamic?: Dynamic }[], test: (e: Expr) => boolean): boolean {
  const reads = (e: Expr): boolean => test(e) || (e.kind === 'binary' && (reads(e.left) || reads(e.right)));
  return components.some(({ dynamic: d }) => {
    if (!d) return false;
    const exprs = [d.condition, ...d.assignments.map((a) => a.value), ...d.deferred.flatMap((i) => i.parts)];
    return exprs.some((e) => e !== undefined && typeof e !== 'string' && reads(e));
  });
}

/** Whether any expression of the components reads what the asset says of itself (tags, context, metadata, faces). */
export const readsAssetFacts = (components: { dynamic?: Dynamic }[]) =>
  anyExpression(components, (e) => e.kind === 'lookup' || (e.kind === 'predefined' && (e.name === 'tags' || e.name === 'fc')));

/** Whether any expression reads the face count (`fc`): the faces must be known first. */
export const readsFaceCount = (components: { dynamic?: Dynamic }[]) =>
  anyExpression(components, (e) => e.kind === 'predefined' && e.name === 'fc');
