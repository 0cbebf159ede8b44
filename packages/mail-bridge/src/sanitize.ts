import sanitizeHtml from 'sanitize-html';

/**
 * What e-mail HTML may keep: formatting, tables, links (http, https, mailto) and images that
 * travel with the message (`cid:`, `data:`). Scripts, event handlers, forms, frames, `<style>`
 * blocks and remote images (tracking pixels) go; inline styles keep a few harmless properties.
 *
 * Plain data (style patterns as sources) so the parse worker applies exactly the same policy.
 */
export interface EmailHtmlPolicy extends Omit<sanitizeHtml.IOptions, 'allowedStyles'> {
  /** allowedStyles with each pattern as its source: per tag (`*` for all), per CSS property. */
  styleSources: Record<string, Record<string, string>>;
}

export const EMAIL_HTML_POLICY: EmailHtmlPolicy = {
  allowedTags: [...sanitizeHtml.defaults.allowedTags, 'img', 'font', 'center'],
  allowedAttributes: {
    '*': ['style', 'dir', 'lang', 'align', 'title'],
    a: ['href', 'name', 'target'],
    img: ['src', 'alt', 'width', 'height'],
    font: ['color', 'face', 'size'],
    table: ['width', 'border', 'cellpadding', 'cellspacing', 'bgcolor'],
    td: ['colspan', 'rowspan', 'valign', 'width', 'bgcolor'],
    th: ['colspan', 'rowspan', 'valign', 'width', 'bgcolor'],
  },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: { img: ['cid', 'data'] },
  allowProtocolRelative: false,
  disallowedTagsMode: 'discard',
  styleSources: {
    '*': {
      color: '^[#\\w\\s(),.%]+$',
      'background-color': '^[#\\w\\s(),.%]+$',
      'text-align': '^(left|right|center|justify)$',
      'font-weight': '^(normal|bold|bolder|lighter|\\d{3})$',
      'font-style': '^(normal|italic|oblique)$',
      'text-decoration': '^(none|underline|line-through|overline)$',
      'font-size': '^\\d+(\\.\\d+)?(px|pt|em|rem|%)$',
      'font-family': '^[\\w\\s,\'"-]+$',
    },
  },
};

/** sanitize-html's options for a policy (the worker does the same in plain JavaScript). */
export function sanitizerOptions(policy: EmailHtmlPolicy = EMAIL_HTML_POLICY): sanitizeHtml.IOptions {
  const { styleSources, ...rest } = policy;
  const allowedStyles: Record<string, Record<string, RegExp[]>> = {};
  for (const [tag, props] of Object.entries(styleSources)) {
    allowedStyles[tag] = Object.fromEntries(Object.entries(props).map(([prop, source]) => [prop, [new RegExp(source)]]));
  }
  return { ...structuredClone(rest), allowedStyles };
}

const OPTIONS = sanitizerOptions();

/** E-mail HTML made safe to display in a browser (see EMAIL_HTML_POLICY). */
export function sanitizeEmailHtml(html: string): string {
  return sanitizeHtml(html, OPTIONS);
}
