import { createRequire } from 'node:module';
import type { PivotTable } from '@rapport/core';
import type { TopLevelSpec } from 'vega-lite';
import { RapportError } from '@rapport/core';
import { axisTexts } from './values.js';

const require = createRequire(import.meta.url);

export const CHART_TYPES = ['bar', 'line', 'pie'] as const;
export type ChartType = (typeof CHART_TYPES)[number];

/**
 * A Vega-Lite spec for a pivot table: a bar, line or pie chart of the measure by row key,
 * coloured (and for bars stacked) by column key; keys that read the same get a suffix (values.ts
 * `axisTexts`). The spec is data: a host may render it in a
 * browser with vega-embed, or here to SVG and PNG.
 */
export function pivotChart(pivot: PivotTable, type: ChartType, title?: string): TopLevelSpec {
  if (!CHART_TYPES.includes(type)) throw new RapportError('VALIDATION', `chart type must be one of ${CHART_TYPES.join(', ')} (got ${JSON.stringify(type)})`);
  // Keyed by the key (an id), shown by its label: two records of one name stay two bars.
  const rows = axisTexts(pivot.rowKeys, pivot.rowLabels);
  const columns = axisTexts(pivot.columnKeys, pivot.columnLabels);
  const values = pivot.rowKeys.flatMap((rowKey, i) =>
    pivot.columnKeys.map((columnKey, j) => ({ rowKey, columnKey, row: rows[i]!, column: columns[j]!, value: pivot.cells[i]![j] ?? 0 })),
  );
  const measure = pivot.measure.fn === 'count' ? 'count' : `${pivot.measure.fn} of ${pivot.measure.field}`;
  const colour = pivot.columnField ? { color: { field: 'column', type: 'nominal' as const, title: pivot.columnField } } : {};
  const base = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: title ?? `${measure} by ${pivot.rowField}`,
    data: { values },
    width: 480,
    height: 280,
  };
  if (type === 'pie') {
    return {
      ...base,
      mark: { type: 'arc' },
      encoding: {
        theta: { field: 'value', type: 'quantitative', aggregate: 'sum', title: measure },
        color: { field: 'row', type: 'nominal', title: pivot.rowField },
      },
    };
  }
  return {
    ...base,
    mark: type === 'line' ? { type: 'line', point: true } : { type: 'bar' },
    encoding: {
      x: { field: 'row', type: 'ordinal', title: pivot.rowField, sort: null },
      y: { field: 'value', type: 'quantitative', title: measure, ...(type === 'bar' ? { aggregate: 'sum' as const } : {}) },
      ...colour,
    },
  } as TopLevelSpec;
}

/** Renders a Vega-Lite spec to SVG text (vega's headless renderer: no browser, no canvas). */
export async function chartSvg(spec: TopLevelSpec): Promise<string> {
  const vl = require('vega-lite') as typeof import('vega-lite');
  const vega = require('vega') as typeof import('vega');
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Renders a Vega-Lite spec to a PNG (SVG rasterised by resvg, with the system's fonts). */
export async function chartPng(spec: TopLevelSpec, scale = 2): Promise<Buffer> {
  const { Resvg } = require('@resvg/resvg-js') as typeof import('@resvg/resvg-js');
  const svg = await chartSvg(spec);
  const png = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    background: '#ffffff',
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
  })
    .render()
    .asPng();
  return Buffer.from(png);
}
