// punycode.js ships no types; the pane uses one function of it.
declare module 'punycode.js' {
  /** The domain or e-mail address with its Punycode (xn--) labels turned into Unicode. */
  export function toUnicode(input: string): string;
}
