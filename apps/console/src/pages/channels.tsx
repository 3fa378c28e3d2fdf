/** The org's channels (upserted from jobs' target_channel), with a link to their jobs. */
import { useState } from 'preact/hooks';
import { api, unwrap } from '../api/client';
import { OffsetPager } from '../components/offset-pager';
import { Empty, JsonView, Link, ProblemBox, Spinner, Time } from '../components/ui';
import { useLoad } from '../use-load';

const LIMIT = 50;

export function ChannelsPage() {
  const [offset, setOffset] = useState(0);
  const list = useLoad(() => unwrap(api.GET('/services/channels', { params: { query: { limit: LIMIT, offset } } })), [offset]);
  return (
    <div class="page">
      <h1>Channels</h1>
      <ProblemBox error={list.error} />
      {!list.data ? <Spinner label="Loading channels" /> : !list.data.data.length ? <Empty>No channels yet: a job's target channel appears here once a job names it.</Empty> : (
        <>
          <div class="table-wrap">
            <table data-testid="channels">
              <thead><tr><th>Code</th><th>Platform</th><th>Type</th><th>Data</th><th>Updated</th></tr></thead>
              <tbody>
                {list.data.data.map((c) => (
                  <tr key={c.id}>
                    <td><Link to={`/jobs?channel_code=${encodeURIComponent(c.code)}`}><code>{c.code}</code></Link></td>
                    <td>{c.platform}</td>
                    <td>{c.type}</td>
                    <td><JsonView value={c.data} label="Channel data" /></td>
                    <td><Time at={c.updated_at} /></td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <OffsetPager offset={offset} limit={LIMIT} total={list.data.meta.total} onPage={setOffset} />
        </>
      )}
    </div>
  );
}
