/**
 * The baseline's chart, drawn in Node (no browser, no network): Apache ECharts renders SVG
 * server-side, resvg turns it into a PNG. Left: jobs/s of each system. Right: CPU ms per
 * completed job, stacked by process.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import * as echarts from 'echarts';

export interface ChartSystem {
  name: string;
  jobsPerSecond: number;
  /** CPU ms per completed job by process group (api, worker, api+worker, postgres, redis, bench). */
  cpuMsPerJob: Record<string, number>;
}

const PROCESS_ORDER = ['api+worker', 'api', 'worker', 'postgres', 'redis', 'bench'];
const PROCESS_LABEL: Record<string, string> = {
  'api+worker': 'API + worker (one process)', api: 'API', worker: 'worker', postgres: 'Postgres', redis: 'Redis',
  bench: 'bench process (Bull / pg-boss themselves; the HTTP load for the service)',
};
const PROCESS_COLOR: Record<string, string> = {
  'api+worker': '#4e79a7', api: '#76b7b2', worker: '#59a14f', postgres: '#f28e2b', redis: '#e15759', bench: '#bab0ac',
};

export async function drawThroughputChart(systems: ChartSystem[], file: string, when: string): Promise<void> {
  const width = 1400;
  const height = 620;
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    const names = systems.map((s) => s.name);
    const reference = systems.find((s) => s.name === 'pg-boss')?.jobsPerSecond;
    const present = PROCESS_ORDER.filter((p) => systems.some((s) => s.cpuMsPerJob[p] !== undefined));
    chart.setOption({
      animation: false,
      backgroundColor: '#ffffff',
      title: [
        { text: `Agent Jobs throughput side by side (one run, ${when} UTC)`, left: 'center', top: 8, textStyle: { fontSize: 18 } },
        { text: 'jobs/s (create -> completed)', left: '22%', top: 48, textAlign: 'center', textStyle: { fontSize: 14 } },
        { text: 'CPU ms per completed job, by process', left: '72%', top: 48, textAlign: 'center', textStyle: { fontSize: 14 } },
      ],
      legend: { bottom: 6, itemGap: 28, data: present.map((p) => PROCESS_LABEL[p]) },
      grid: [
        { left: 70, right: '54%', top: 100, bottom: 110 },
        { left: '54%', right: 30, top: 100, bottom: 110 },
      ],
      xAxis: [
        { gridIndex: 0, type: 'category', data: names, axisLabel: { interval: 0, rotate: 15 } },
        { gridIndex: 1, type: 'category', data: names, axisLabel: { interval: 0, rotate: 15 } },
      ],
      yAxis: [
        { gridIndex: 0, type: 'log', name: 'jobs/s (log)', logBase: 10 },
        { gridIndex: 1, type: 'value', name: 'ms / job' },
      ],
      series: [
        {
          type: 'bar', xAxisIndex: 0, yAxisIndex: 0, name: 'jobs/s', barWidth: '55%',
          data: systems.map((s) => Math.round(s.jobsPerSecond)),
          itemStyle: { color: '#9c755f' },
          label: {
            show: true, position: 'top',
            formatter: (p: { value: number }) => (reference ? `${p.value.toLocaleString('en-US')}\n${(p.value / reference).toFixed(2)}x pg-boss` : p.value.toLocaleString('en-US')),
          },
        },
        ...present.map((p) => ({
          type: 'bar', xAxisIndex: 1, yAxisIndex: 1, stack: 'cpu', name: PROCESS_LABEL[p], barWidth: '55%', itemStyle: { color: PROCESS_COLOR[p] },
          data: systems.map((s) => (s.cpuMsPerJob[p] === undefined ? 0 : Number(s.cpuMsPerJob[p].toFixed(3)))),
          label: { show: true, formatter: (x: { value: number }) => (x.value >= 0.15 ? x.value.toFixed(2) : '') },
        })),
      ],
    });
    const svg = chart.renderToSVGString();
    const png = new Resvg(svg, { background: '#ffffff', font: { loadSystemFonts: true } }).render().asPng();
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, png);
  } finally {
    chart.dispose();
  }
}
