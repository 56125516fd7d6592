#!/usr/bin/env node
// Launches the TypeScript CLI through tsx (a runtime dependency): no separate build step.
import { register } from 'tsx/esm/api'

register()
await import('../src/cli/main.ts')
