// The schemas on the path of every run (what a Vitest worker loads, the reporter's client, the
// embedded server up to its first upload) are written with zod/mini: the same validation core and
// messages as classic zod, at about half the cost to load and construct, paid in every worker and
// at every start (bench/README.md, eighth round). Classic zod stays with the Fastify-side APIs
// (Gradient, Netra, OTLP, agents). Classic zod sets its English messages when it loads; zod/mini
// does not, so every mini schema module imports this first.
import { en } from 'zod/locales'
import { config } from 'zod/mini'

config(en())
