/**
 * The Element Plus components the dashboard uses, with their styles. Imported from their own modules:
 * the package root registers every component as a side effect and would pull the whole library in.
 */
import 'element-plus/es/components/base/style/css'
import 'element-plus/es/components/button/style/css'
import 'element-plus/es/components/dropdown/style/css'
import 'element-plus/es/components/dropdown-item/style/css'
import 'element-plus/es/components/dropdown-menu/style/css'
import 'element-plus/es/components/input/style/css'
import 'element-plus/es/components/skeleton/style/css'
import 'element-plus/es/components/tab-pane/style/css'
import 'element-plus/es/components/tabs/style/css'
import 'element-plus/es/components/tooltip/style/css'
import 'element-plus/theme-chalk/dark/css-vars.css'

export { ElButton } from 'element-plus/es/components/button/index.mjs'
export { ElConfigProvider } from 'element-plus/es/components/config-provider/index.mjs'
export { ElDropdown, ElDropdownItem, ElDropdownMenu } from 'element-plus/es/components/dropdown/index.mjs'
export { ElInput } from 'element-plus/es/components/input/index.mjs'
export { ElSkeleton } from 'element-plus/es/components/skeleton/index.mjs'
export { ElTabPane, ElTabs } from 'element-plus/es/components/tabs/index.mjs'
export { ElTooltip } from 'element-plus/es/components/tooltip/index.mjs'
