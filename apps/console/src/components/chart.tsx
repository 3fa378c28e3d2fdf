/** A uPlot chart in a Preact component (uPlot draws on a canvas: no inline styles, no HTML from data). */
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

export interface ChartProps {
  data: uPlot.AlignedData;
  options: Omit<uPlot.Options, 'width' | 'height'>;
  height?: number;
  /** What the chart shows, for screen readers (the numbers are in a table or text beside it too). */
  label: string;
}

export function Chart({ data, options, height = 160, label }: ChartProps) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const plot = new uPlot({ ...options, width: Math.max(el.clientWidth, 200), height }, data, el);
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(el.clientWidth, 200), height }));
    resize.observe(el);
    return () => { resize.disconnect(); plot.destroy(); };
  }, [JSON.stringify(data), height]);
  return <div class="chart" ref={box} role="img" aria-label={label} />;
}

/** Bars for uPlot series. */
export const bars = (): uPlot.Series.PathBuilder => uPlot.paths.bars!({ size: [0.7, 60] });
