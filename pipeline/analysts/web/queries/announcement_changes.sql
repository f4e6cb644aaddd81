-- What changed in one announcement: every version, when it was fetched, and its diff.
SELECT v.version, v.fetched_at, v.title, v.diff, a.url, a.gone_at
FROM announcement_versions v JOIN announcements a ON a.id = v.announcement_id
WHERE v.announcement_id = :id
ORDER BY v.version
