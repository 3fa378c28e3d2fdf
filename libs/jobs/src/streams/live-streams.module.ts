import { Module } from '@nestjs/common';
import { AuthModule } from '@app/auth';
import { JobsModule } from '../jobs.module';
import { EventFeed } from './event-feed';
import { LiveStreamsController } from './live-streams.controller';
import { LiveStreamsService } from './live-streams.service';
import { OpenStreams } from './open-streams';
import { StreamEventsRepository } from './stream-events.repository';

/** The live streams of an HTTP process; worker processes never load it (they only ping, through EventsPing). */
@Module({
  imports: [AuthModule, JobsModule],
  providers: [EventFeed, StreamEventsRepository, OpenStreams, LiveStreamsService],
  controllers: [LiveStreamsController],
  exports: [OpenStreams],
})
export class LiveStreamsModule {}
