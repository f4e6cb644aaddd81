-- New announcements of the last 7 days, one row per near-duplicate group, with the other sources.
SELECT a.id, a.published_at, a.source_id, a.title, a.url, a.relevant,
       (SELECT group_concat(d.source_id, ', ') FROM announcements d WHERE d.duplicate_of = a.id) AS also_in,
       e.created_at AS first_seen
FROM events e JOIN announcements a ON a.id = e.announcement_id
WHERE e.kind = 'new' AND e.created_at >= strftime('%Y-%m-%dT%H:%M:%S', 'now', '-7 days')
  AND a.duplicate_of IS NULL
ORDER BY a.relevant DESC, coalesce(a.published_at, e.created_at) DESC
LIMIT 500
