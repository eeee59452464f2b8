// Browser stand-in for node's `util`, for the one call a dependency of the
// wallet selector makes (generate-function's util.format).
export function format(fmt, ...args) {
  let i = 0;
  const s = String(fmt).replace(/%[sdj%]/g, (m) => (m === '%%' ? '%' : i < args.length ? (m === '%j' ? JSON.stringify(args[i++]) : String(args[i++])) : m));
  return [s, ...args.slice(i)].join(' ');
}
export function inspect(v) {
  return typeof v === 'string' ? v : JSON.stringify(v);
}
export default { format, inspect };
