import { Logger } from '@nestjs/common';

// In-process tests assert on behaviour, not log lines; keep their output readable.
Logger.overrideLogger(false);
