/* A PromQL syntax check for the chart's alerts and dashboard (no PromQL parser package is
 * installed, and promtool is not available): a tokenizer plus a small recursive-descent parser
 * of the grammar the chart uses — selectors with label matchers, range and subquery brackets,
 * aggregations with by/without, function calls, binary operators with bool/on/ignoring/
 * group_left/group_right, numbers, strings and Grafana's $variables in durations and values.
 * It returns the metric names it saw, so callers check them against src/. */

const FUNCTIONS = new Set([
  'abs',
  'absent',
  'absent_over_time',
  'avg_over_time',
  'ceil',
  'changes',
  'clamp',
  'clamp_max',
  'clamp_min',
  'count_over_time',
  'delta',
  'deriv',
  'exp',
  'floor',
  'histogram_quantile',
  'idelta',
  'increase',
  'irate',
  'label_replace',
  'last_over_time',
  'ln',
  'max_over_time',
  'min_over_time',
  'predict_linear',
  'quantile_over_time',
  'rate',
  'resets',
  'round',
  'scalar',
  'sort',
  'sort_desc',
  'sqrt',
  'sum_over_time',
  'time',
  'timestamp',
  'vector',
]);
const AGGREGATIONS = new Set([
  'sum',
  'min',
  'max',
  'avg',
  'count',
  'stddev',
  'stdvar',
  'topk',
  'bottomk',
  'quantile',
  'group',
  'count_values',
]);
const BINARY = ['==', '!=', '>=', '<=', '>', '<', '+', '-', '*', '/', '%', '^', 'and', 'or', 'unless'];
const DURATION = /^(\d+(ms|s|m|h|d|w|y))+$|^\$__\w+$/;

type Tok = { t: 'num' | 'str' | 'id' | 'op' | 'punct' | 'dur'; v: string };

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const rest = src.slice(i);
    let m: RegExpMatchArray | null;
    if ((m = rest.match(/^"(?:[^"\\]|\\.)*"/))) out.push({ t: 'str', v: m[0] });
    else if ((m = rest.match(/^\[[^\]]*\]/))) out.push({ t: 'dur', v: m[0] });
    else if ((m = rest.match(/^\d+(\.\d+)?(e[+-]?\d+)?/i))) out.push({ t: 'num', v: m[0] });
    else if ((m = rest.match(/^[A-Za-z_:][A-Za-z0-9_:]*/))) out.push({ t: 'id', v: m[0] });
    else if ((m = rest.match(/^(==|!=|>=|<=|=~|!~|[-+*/%^<>=])/))) out.push({ t: 'op', v: m[0] });
    else if ('(){},'.includes(c)) out.push({ t: 'punct', v: c });
    else throw new Error(`unexpected character ${JSON.stringify(c)} at ${i}`);
    i += m ? m[0].length : 1;
  }
  return out;
}

class Parser {
  private i = 0;
  readonly metrics = new Set<string>();
  constructor(private readonly toks: Tok[]) {}

  private peek(): Tok | undefined {
    return this.toks[this.i];
  }
  private next(): Tok {
    const t = this.toks[this.i++];
    if (!t) throw new Error('unexpected end of expression');
    return t;
  }
  private expect(v: string): void {
    const t = this.next();
    if (t.v !== v) throw new Error(`expected ${v}, found ${t.v}`);
  }

  parse(): void {
    this.expr();
    if (this.peek()) throw new Error(`unexpected ${this.peek()!.v} after the expression`);
  }

  private expr(): void {
    this.unary();
    for (;;) {
      const t = this.peek();
      if (!t || !((t.t === 'op' && BINARY.includes(t.v)) || (t.t === 'id' && ['and', 'or', 'unless'].includes(t.v))))
        return;
      this.next();
      if (this.peek()?.v === 'bool') this.next();
      if (this.peek()?.v === 'on' || this.peek()?.v === 'ignoring') {
        this.next();
        this.labelList();
      }
      if (this.peek()?.v === 'group_left' || this.peek()?.v === 'group_right') {
        this.next();
        if (this.peek()?.v === '(') this.labelList();
      }
      this.unary();
    }
  }

  private unary(): void {
    if (this.peek()?.v === '-' || this.peek()?.v === '+') this.next();
    this.postfix();
  }

  private postfix(): void {
    this.primary();
    while (this.peek()?.t === 'dur') {
      const body = this.next().v.slice(1, -1).split(':');
      if (
        body.length > 2 ||
        !DURATION.test(body[0]) ||
        (body.length === 2 && body[1] !== '' && !DURATION.test(body[1]))
      )
        throw new Error(`bad range or subquery [${body.join(':')}]`);
    }
  }

  private labelList(): void {
    this.expect('(');
    while (this.peek()?.v !== ')') {
      if (this.next().t !== 'id') throw new Error('expected a label name');
      if (this.peek()?.v === ',') this.next();
    }
    this.expect(')');
  }

  private primary(): void {
    const t = this.next();
    if (t.t === 'num' || t.t === 'str') return;
    if (t.v === '(') {
      this.expr();
      this.expect(')');
      return;
    }
    if (t.v === '{') {
      this.i--;
      this.matchers();
      return;
    }
    if (t.t !== 'id') throw new Error(`unexpected ${t.v}`);
    if (AGGREGATIONS.has(t.v)) {
      if (this.peek()?.v === 'by' || this.peek()?.v === 'without') {
        this.next();
        this.labelList();
      }
      this.args();
      if (this.peek()?.v === 'by' || this.peek()?.v === 'without') {
        this.next();
        this.labelList();
      }
      return;
    }
    if (this.peek()?.v === '(') {
      if (!FUNCTIONS.has(t.v)) throw new Error(`unknown function ${t.v}`);
      this.args();
      return;
    }
    if (['by', 'without', 'on', 'ignoring', 'bool', 'and', 'or', 'unless', 'offset'].includes(t.v))
      throw new Error(`misplaced keyword ${t.v}`);
    this.metrics.add(t.v);
    if (this.peek()?.v === '{') this.matchers();
  }

  private args(): void {
    this.expect('(');
    if (this.peek()?.v !== ')') {
      this.expr();
      while (this.peek()?.v === ',') {
        this.next();
        this.expr();
      }
    }
    this.expect(')');
  }

  private matchers(): void {
    this.expect('{');
    while (this.peek()?.v !== '}') {
      if (this.next().t !== 'id') throw new Error('expected a label name in a selector');
      const op = this.next();
      if (!['=', '!=', '=~', '!~'].includes(op.v)) throw new Error(`bad matcher operator ${op.v}`);
      const value = this.next();
      if (value.t !== 'str') throw new Error('a label matcher needs a quoted value');
      if (op.v.endsWith('~')) new RegExp(`^(?:${JSON.parse(value.v.replace(/\$\w+/g, 'x')) as string})$`);
      if (this.peek()?.v === ',') this.next();
      else if (this.peek()?.v !== '}') throw new Error('expected , or } in a selector');
    }
    this.expect('}');
  }
}

/** Parses `expr`; throws a SyntaxError naming the problem, else returns the metric names it reads. */
export function lintPromQL(expr: string): string[] {
  try {
    const p = new Parser(tokenize(expr));
    p.parse();
    return [...p.metrics];
  } catch (err) {
    throw new SyntaxError(`${(err as Error).message} in: ${expr}`);
  }
}
