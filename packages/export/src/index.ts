/**
 * @rapport/export: a view to CSV, XLSX or PDF, streamed page by page from `crm.views.reader`;
 * pivot tables to XLSX and charts (Vega-Lite → SVG → PNG); print templates (LiquidJS) to PDF.
 * A package of its own so an embedder who exports nothing installs none of these libraries.
 */
export { writeCsv } from './csv.js';
export type { CsvOptions } from './csv.js';
export { writeXlsx, writePivotXlsx } from './xlsx.js';
export { writePdf } from './pdf.js';
export type { PdfOptions } from './pdf.js';
export type { ExportOptions, ExportReport } from './values.js';
export { pivotChart, chartSvg, chartPng, CHART_TYPES } from './chart.js';
export type { ChartType } from './chart.js';
export { BUILTIN_TEMPLATES, PRINT_KINDS, checkTemplate, defaultTemplate, renderMarkup } from './templates.js';
export type { PrintKind, PrintTemplate } from './templates.js';
export { printRecord, printData, storedTemplates } from './print.js';
export { mailExport, MAX_MAILED_EXPORT_BYTES } from './mail.js';
export type { MailExportOptions } from './mail.js';
