// The schemas a Vitest worker loads are written with zod/mini: the same validation core and
// messages as classic zod at less than half its load cost in every worker (bench/README.md, eighth
// round). Classic zod sets its English messages when it loads; zod/mini does not, so every mini
// schema module imports this first.
import { en } from 'zod/locales'
import { config } from 'zod/mini'

config(en())
