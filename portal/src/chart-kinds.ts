/** The `render` visualizations the portal draws (chart.ts, a chunk of its own with ECharts, fetched on the first chart). */
export const CHART_KINDS = ['timechart', 'linechart', 'areachart', 'barchart', 'columnchart', 'piechart', 'scatterchart'];
