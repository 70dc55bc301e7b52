import type { JobHandlers } from './consumer';
import { runEagerJob } from './eager';
import { deliverNotification } from './notify';
import { runAsyncUpload } from './async-upload';
import { runArchiveJob } from './async-archive';
import { runFolderRenameJob } from '../folders/folders';
import { recordDerivedUsesJob } from './derived-uses';

/** Job kind -> what runs it. Adding a kind means adding its message type and one entry here. */
export const JOB_HANDLERS: JobHandlers = {
  notify: deliverNotification,
  eager: runEagerJob,
  upload: runAsyncUpload,
  archive: runArchiveJob,
  folder_rename: runFolderRenameJob,
  derived_uses: recordDerivedUsesJob,
};
