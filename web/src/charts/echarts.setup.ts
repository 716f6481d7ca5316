/**
 * The part of ECharts the dashboard uses, registered once. Loaded with a dynamic import so the
 * library stays out of the first page load.
 */
import { BarChart } from 'echarts/charts'
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components'
import { init, use } from 'echarts/core'
import { CanvasRenderer } from 'echarts/renderers'

use([BarChart, GridComponent, TooltipComponent, LegendComponent, CanvasRenderer])

export { init }
export type { EChartsCoreOption, EChartsType } from 'echarts/core'
