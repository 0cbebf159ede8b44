import sanitizeHtml from 'sanitize-html';

/**
 * What e-mail HTML may keep: formatting, tables, links (http, https, mailto) and images that
 * travel with the message (`cid:`, `data:`). Scripts, event handlers, forms, frames, `<style>`
 * blocks and remote images (tracking pixels) go; inline styles keep a few harmless properties.
 * The parse worker imports this module too, so both threads apply the same policy.
 */
const EMAIL_HTML_POLICY: sanitizeHtml.IOptions = {
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
  allowedStyles: {
    '*': {
      color: [/^[#\w\s(),.%]+$/],
      'background-color': [/^[#\w\s(),.%]+$/],
      'text-align': [/^(left|right|center|justify)$/],
      'font-weight': [/^(normal|bold|bolder|lighter|\d{3})$/],
      'font-style': [/^(normal|italic|oblique)$/],
      'text-decoration': [/^(none|underline|line-through|overline)$/],
      'font-size': [/^\d+(\.\d+)?(px|pt|em|rem|%)$/],
      'font-family': [/^[\w\s,'"-]+$/],
    },
  },
};

/** E-mail HTML made safe to display in a browser (see EMAIL_HTML_POLICY). */
export function sanitizeEmailHtml(html: string): string {
  return sanitizeHtml(html, EMAIL_HTML_POLICY);
}
