/** Charts for KQL `render` with Apache ECharts (SVG renderer, tree-shaken). */
import * as echarts from 'echarts/core';
import { BarChart, LineChart, PieChart, ScatterChart } from 'echarts/charts';
import { AriaComponent, GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import { SVGRenderer } from 'echarts/renderers';
import type { GridData } from './grid';

echarts.use([BarChart, LineChart, PieChart, ScatterChart, GridComponent, LegendComponent, TooltipComponent, AriaComponent, SVGRenderer]);

export { CHART_KINDS } from './chart-kinds';
const NUMERIC = new Set(['int', 'long', 'real', 'decimal', 'double']);

let current: echarts.ECharts | undefined;

/** Kusto's convention: x is the first column (datetime for timechart), numeric columns are series; a string column splits them. */
export function renderChart(host: HTMLElement, data: GridData, visualization: string): void {
  current?.dispose();
  host.setAttribute('role', 'img');
  host.setAttribute('aria-label', `${visualization} of ${data.rows.length} rows`);
  current = echarts.init(host, undefined, { renderer: 'svg' });
  const cols = data.columns;
  const numeric = cols.map((c, i) => ({ c, i })).filter(({ c }) => NUMERIC.has(c.type));
  const option: echarts.EChartsCoreOption = { aria: { enabled: true }, tooltip: { trigger: visualization === 'piechart' ? 'item' : 'axis' }, legend: { top: 0 }, animation: false };
  if (visualization === 'piechart') {
    const label = cols.findIndex((c) => !NUMERIC.has(c.type));
    const value = numeric[0]?.i ?? 1;
    option.series = [{ type: 'pie', radius: '65%', data: data.rows.map((r) => ({ name: String(r[label < 0 ? 0 : label]), value: Number(r[value]) })) }];
  } else {
    const xIndex = visualization === 'timechart' ? Math.max(0, cols.findIndex((c) => c.type === 'datetime')) : 0;
    const xType = cols[xIndex]?.type === 'datetime' ? 'time' : NUMERIC.has(cols[xIndex]?.type ?? '') && visualization === 'scatterchart' ? 'value' : 'category';
    const splitBy = cols.findIndex((c, i) => i !== xIndex && !NUMERIC.has(c.type) && c.type !== 'datetime');
    const values = numeric.filter(({ i }) => i !== xIndex);
    const type = visualization === 'barchart' || visualization === 'columnchart' ? 'bar' : visualization === 'scatterchart' ? 'scatter' : 'line';
    const area = visualization === 'areachart' ? { areaStyle: {} } : {};
    const series: Record<string, [unknown, number][]> = {};
    for (const r of data.rows) {
      for (const { c, i } of values) {
        const name = splitBy >= 0 ? `${String(r[splitBy])}${values.length > 1 ? ` ${c.name}` : ''}` : c.name;
        (series[name] ??= []).push([r[xIndex], Number(r[i])]);
      }
    }
    const horizontal = visualization === 'barchart';
    const xAxis = { type: xType, name: cols[xIndex]?.name };
    const yAxis = { type: 'value' };
    option.xAxis = horizontal ? yAxis : xAxis;
    option.yAxis = horizontal ? { ...xAxis, type: 'category' } : yAxis;
    option.grid = { left: 60, right: 30, top: 40, bottom: 40 };
    option.series = Object.entries(series).map(([name, points]) => ({ name, type, ...area, showSymbol: false, data: horizontal ? points.map(([x, y]) => [y, x]) : points }));
  }
  current.setOption(option);
}

export function resizeChart(): void {
  current?.resize();
}
