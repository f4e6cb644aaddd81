-- The copies of one announcement on other sites (same text syndicated or re-published).
SELECT a.id, a.source_id, a.title, a.url, a.first_seen_at,
       CASE WHEN a.id = :id THEN 'this' WHEN a.duplicate_of IS NULL THEN 'original' ELSE 'copy' END AS role
FROM announcements a
WHERE a.id = (SELECT coalesce(duplicate_of, id) FROM announcements WHERE id = :id)
   OR a.duplicate_of = (SELECT coalesce(duplicate_of, id) FROM announcements WHERE id = :id)
ORDER BY a.id
