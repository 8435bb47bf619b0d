export {
  type EnqueueOptions,
  type Job,
  type JobContext,
  type JobHandler,
  type JobHandlerOptions,
  JobQueue,
  type JobQueueOptions,
  type JobStatus,
  PermanentJobError,
} from './queue.js'
