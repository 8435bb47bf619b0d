// Retrieval-augmented answers graded by two judges: `faithfulness` (is every claim in the
// retrieved passages?) and `answerRelevance` (does it answer the question?). The retriever is the
// BM25 one of examples/retrieval; the judge re-reads the same passages through its `context`
// selector (the retriever is deterministic, so it sees exactly what the task saw).
import { readFileSync } from 'node:fs'
import { dataset, describeEval } from 'evalgate'
import { answerRelevance, faithfulness } from 'evalgate/judges'
import { createRetriever, type Doc } from '../retrieval/retriever.js'
import { complete, exampleModel } from './model.js'

const target = exampleModel('RAG suite (faithfulness + answerRelevance)')
const docs = JSON.parse(readFileSync(new URL('../retrieval/corpus.json', import.meta.url), 'utf8')) as Doc[]
const byId = new Map(docs.map((doc) => [doc.id, doc]))
const search = createRetriever(docs)
/** The top 3 passages for a question, as the task and the judge both see them. */
const passages = (question: string) =>
  search(question, 3).map((id) => `${byId.get(id)!.title}: ${byId.get(id)!.text}`)

const SYSTEM =
  'You answer customer questions for a bike shop using only the passages given. ' +
  'If the passages do not contain the answer, say you do not know. Answer in at most two sentences.'

describeEval(
  dataset.jsonl<string, string>('rag-questions', new URL('./rag-questions.jsonl', import.meta.url)),
  (question, { signal }) =>
    complete(target!, SYSTEM, `Passages:\n${passages(question).join('\n')}\n\nQuestion: ${question}`, signal),
  [
    faithfulness({
      threshold: 0.6,
      model: target?.judgeModel,
      context: (ctx) => passages(ctx.input as string),
    }),
    answerRelevance({ threshold: 0.5, model: target?.judgeModel }),
  ],
  {
    name: 'rag answers (judged)',
    skipIf: target === null,
    concurrency: 3,
    timeout: 60_000,
    star: 'faithfulness',
    gate: { passRate: 0.8, metrics: { faithfulness: { mean: 0.8 } } },
  },
)
