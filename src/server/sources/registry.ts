/** Maps each kind of source to its factory. A new kind of data is a new folder and a new line here. */
import { createOpenClawSource, type OpenClawSourceOptions } from './openclaw/openclaw-source.js'
import type { Source } from './source.js'

export interface SourcesConfig {
  openclaw?: OpenClawSourceOptions
}

const factories: { [K in keyof Required<SourcesConfig>]: (o: NonNullable<SourcesConfig[K]>) => Source } = {
  openclaw: createOpenClawSource,
}

export function createSources(config: SourcesConfig): Source[] {
  return (Object.keys(factories) as (keyof SourcesConfig)[]).flatMap((kind) => {
    const options = config[kind]
    return options ? [factories[kind](options)] : []
  })
}
