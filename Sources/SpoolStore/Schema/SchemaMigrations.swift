import Foundation
import GRDB

/// The schema's one source of truth: ordered, named migrations, each applied in its own
/// transaction and recorded in `grdb_migrations`.
///
/// Times are stored as REAL Unix seconds so the queue can compare them cheaply.
public enum SchemaMigrations {
    /// Every migration, in order. A new schema change is a new migration appended here, never an
    /// edit of a published one.
    public static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1_initial", migrate: createInitialSchema)
        migrator.registerMigration("v2_track_search", migrate: createTrackSearch)
        migrator.registerMigration("v3_event_log_rowids", migrate: dropAutoincrementFromEventLogs)
        migrator.registerMigration("v4_sync_guard_and_error_causes", migrate: guardSyncsAndExplainErrors)
        migrator.registerMigration("v5_sources_profiles_entries", migrate: introduceSources)
        migrator.registerMigration("v6_names_tags_moves", migrate: introduceNamesAndMoves)
        migrator.registerMigration("v7_accounts", migrate: introduceAccounts)
        migrator.registerMigration("v8_library_imports", migrate: createLibraryImports)
        migrator.registerMigration("v9_list_indexes_counters", migrate: indexAndCountForScale)
        migrator.registerMigration("v10_subsonic", migrate: introduceSubsonic)
        migrator.registerMigration("v11_user_counters_rating_index", migrate: countPerUser)
        migrator.registerMigration("v12_source_url_keys", migrate: keySourcesByURL)
        migrator.registerMigration("v13_album_play_totals", migrate: sumPlaysAndStarsPerAlbum)
        migrator.registerMigration("v14_search_prefixes", migrate: indexSearchPrefixes)
        migrator.registerMigration("v15_album_totals_index", migrate: indexAlbumTotals)
        migrator.registerMigration("v16_jobs_kind_due_index", migrate: indexWaitingJobsByKind)
        return migrator
    }

    /// The identifier of the newest migration this build knows.
    public static var latestVersion: String { migrator.migrations.last ?? "" }

    private static func createInitialSchema(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE channels (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                url TEXT NOT NULL UNIQUE,
                title TEXT,
                remote_id TEXT,
                state TEXT NOT NULL DEFAULT 'idle' CHECK (\(SQLCheck.column("state", in: SourceState.self))),
                sync_interval_seconds INTEGER NOT NULL DEFAULT 86400 CHECK (sync_interval_seconds > 0),
                video_count INTEGER NOT NULL DEFAULT 0,
                added_at REAL NOT NULL,
                last_synced_at REAL,
                next_sync_at REAL,
                last_error TEXT
            );
            CREATE INDEX channels_next_sync ON channels(next_sync_at);

            CREATE TABLE tracks (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                video_id TEXT NOT NULL UNIQUE,
                channel_id INTEGER REFERENCES channels(id) ON DELETE SET NULL,
                title TEXT NOT NULL,
                uploader TEXT,
                duration REAL,
                file_path TEXT NOT NULL,
                size INTEGER NOT NULL DEFAULT 0,
                mime_type TEXT NOT NULL,
                thumbnail_path TEXT,
                info_path TEXT,
                rating INTEGER NOT NULL DEFAULT 0 CHECK (rating IN (-1, 0, 1)),
                liked_at REAL,
                play_count INTEGER NOT NULL DEFAULT 0,
                skip_count INTEGER NOT NULL DEFAULT 0,
                last_position REAL,
                last_played_at REAL,
                deleted_at REAL,
                trash_path TEXT,
                created_at REAL NOT NULL
            );
            CREATE INDEX tracks_channel ON tracks(channel_id, id);
            CREATE INDEX tracks_likes ON tracks(liked_at, id) WHERE rating = 1 AND deleted_at IS NULL;
            CREATE INDEX tracks_trash ON tracks(deleted_at) WHERE deleted_at IS NOT NULL;

            CREATE TABLE jobs (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                kind TEXT NOT NULL,
                status TEXT NOT NULL DEFAULT 'pending' CHECK (\(SQLCheck.column("status", in: JobStatus.self))),
                priority INTEGER NOT NULL DEFAULT 0,
                payload TEXT NOT NULL DEFAULT '{}',
                channel_id INTEGER REFERENCES channels(id) ON DELETE SET NULL,
                video_id TEXT,
                title TEXT,
                attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
                max_attempts INTEGER NOT NULL DEFAULT 5 CHECK (max_attempts >= 1),
                run_after REAL NOT NULL,
                lease_until REAL,
                worker TEXT,
                progress_percent REAL,
                progress_bytes INTEGER,
                progress_total_bytes INTEGER,
                progress_speed REAL,
                progress_eta INTEGER,
                last_error TEXT,
                error_class TEXT CHECK (error_class IS NULL OR \(SQLCheck.column("error_class", in: JobErrorClass.self))),
                log_tail TEXT,
                created_at REAL NOT NULL,
                updated_at REAL NOT NULL,
                started_at REAL,
                finished_at REAL
            );
            -- The claim query: due jobs by priority, then age.
            CREATE INDEX jobs_due ON jobs(priority DESC, run_after, id) WHERE status IN ('pending', 'retrying');
            CREATE INDEX jobs_status ON jobs(status, id);
            CREATE INDEX jobs_kind ON jobs(kind, id);
            CREATE INDEX jobs_channel ON jobs(channel_id, status);
            CREATE INDEX jobs_lease ON jobs(lease_until) WHERE status = 'running';
            -- One active download per video: a re-sync or a double click never duplicates work.
            CREATE UNIQUE INDEX jobs_one_active_download ON jobs(video_id)
                WHERE kind = 'download' AND status IN \(SQLCheck.list(JobStatus.active));

            CREATE TABLE job_events (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
                from_status TEXT CHECK (from_status IS NULL OR \(SQLCheck.column("from_status", in: JobStatus.self))),
                to_status TEXT NOT NULL CHECK (\(SQLCheck.column("to_status", in: JobStatus.self))),
                attempt INTEGER NOT NULL DEFAULT 0,
                message TEXT,
                error_class TEXT CHECK (error_class IS NULL OR \(SQLCheck.column("error_class", in: JobErrorClass.self))),
                exit_code INTEGER,
                signal INTEGER,
                at REAL NOT NULL
            );
            CREATE INDEX job_events_job ON job_events(job_id, id);

            CREATE TABLE play_events (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                track_id INTEGER NOT NULL REFERENCES tracks(id) ON DELETE CASCADE,
                session TEXT NOT NULL,
                type TEXT NOT NULL CHECK (\(SQLCheck.column("type", in: PlayEventType.self))),
                position REAL,
                value REAL,
                client_time REAL,
                received_at REAL NOT NULL
            );
            CREATE INDEX play_events_track ON play_events(track_id, id);
            CREATE INDEX play_events_plays ON play_events(received_at) WHERE type = 'play';

            -- Videos the user deleted: a channel re-sync must not download them again.
            CREATE TABLE tombstones (
                video_id TEXT PRIMARY KEY,
                channel_id INTEGER REFERENCES channels(id) ON DELETE SET NULL,
                title TEXT,
                deleted_at REAL NOT NULL
            ) WITHOUT ROWID;
            """)
    }

    /// Full-text search over track titles and channel names (FTS5, kept in sync by triggers).
    private static func createTrackSearch(_ db: Database) throws {
        try db.execute(sql: """
            CREATE VIRTUAL TABLE tracks_search USING fts5(
                title, uploader, content='tracks', content_rowid='id', tokenize='unicode61 remove_diacritics 2'
            );
            INSERT INTO tracks_search(rowid, title, uploader) SELECT id, title, coalesce(uploader, '') FROM tracks;
            CREATE TRIGGER tracks_search_insert AFTER INSERT ON tracks BEGIN
                INSERT INTO tracks_search(rowid, title, uploader) VALUES (new.id, new.title, coalesce(new.uploader, ''));
            END;
            CREATE TRIGGER tracks_search_delete AFTER DELETE ON tracks BEGIN
                INSERT INTO tracks_search(tracks_search, rowid, title, uploader)
                    VALUES ('delete', old.id, old.title, coalesce(old.uploader, ''));
            END;
            CREATE TRIGGER tracks_search_update AFTER UPDATE OF title, uploader ON tracks BEGIN
                INSERT INTO tracks_search(tracks_search, rowid, title, uploader)
                    VALUES ('delete', old.id, old.title, coalesce(old.uploader, ''));
                INSERT INTO tracks_search(rowid, title, uploader) VALUES (new.id, new.title, coalesce(new.uploader, ''));
            END;
            """)
    }

    /// `job_events` and `play_events` are append-only logs written thousands of times a
    /// second; `AUTOINCREMENT` made every insert also look up and rewrite `sqlite_sequence`
    /// (dropping it took the queue from ~3,900 to ~5,900 claim + complete per second). A plain
    /// rowid still grows with every insert; an id could only be reused after the newest rows
    /// were deleted, which nothing relies on (timelines and history order by time and id).
    ///
    /// SQLite cannot alter a column's definition, so each table is rebuilt from its own stored
    /// `CREATE TABLE` text (same columns, same CHECK constraints), then its indexes are remade.
    private static func dropAutoincrementFromEventLogs(_ db: Database) throws {
        for table in ["job_events", "play_events"] {
            try TableRebuild.rebuild(table, in: db) { definition in
                definition.replacingOccurrences(of: "id INTEGER PRIMARY KEY AUTOINCREMENT", with: "id INTEGER PRIMARY KEY")
            }
        }
    }

    /// Wave 2's first schema change:
    /// - **One active sync per channel.** Two "Sync now" clicks used to be a read and an insert,
    ///   and two concurrent clicks could queue two syncs; a unique partial index (like the one
    ///   that allows one active download per video) makes the second insert a no-op. Syncs
    ///   that a race already duplicated are cancelled first, keeping each channel's oldest.
    /// - **Errors by cause.** `bot_check`, `extractor_outdated` and `network` join the error
    ///   classes; the CHECK constraints of `jobs` and `job_events` are regenerated from the enum
    ///   (the seed app crashed because its CHECK and its code disagreed), and `error_detail`
    ///   keeps the raw line of the tool beside the plain-language `last_error`.
    /// - **What a sync did.** `channels.last_sync_summary` (JSON: entries read, new, known,
    ///   skipped, whether it stopped early) and `last_full_sync_at` for the weekly full re-list.
    private static func guardSyncsAndExplainErrors(_ db: Database) throws {
        let errorClassCheck = SQLCheck.column("error_class", in: JobErrorClass.self)
        for table in ["jobs", "job_events"] {
            try TableRebuild.rebuild(table, in: db) { definition in
                definition.replacingOccurrences(
                    of: #"error_class IN \([^)]*\)"#, with: errorClassCheck, options: .regularExpression)
            }
        }
        let active = JobStatus.active.sql
        try db.execute(sql: """
            ALTER TABLE jobs ADD COLUMN error_detail TEXT;
            ALTER TABLE channels ADD COLUMN last_sync_summary TEXT;
            ALTER TABLE channels ADD COLUMN last_full_sync_at REAL;
            UPDATE jobs SET status = 'cancelled', error_class = 'cancelled', lease_until = NULL,
                   last_error = 'Cancelled: another sync of this channel was already queued', finished_at = updated_at
            WHERE kind = 'channel_sync' AND status IN \(active) AND id NOT IN (
                SELECT min(id) FROM jobs WHERE kind = 'channel_sync' AND status IN \(active) GROUP BY channel_id);
            CREATE UNIQUE INDEX jobs_one_active_sync ON jobs(channel_id)
                WHERE kind = 'channel_sync' AND status IN \(active);
            """)
    }
}

extension SchemaMigrations {
    /// Issue 14's schema:
    /// - **Sources.** `channels` becomes `sources` (a channel, a playlist or one video), and
    ///   every `channel_id` becomes `source_id`; SQLite renames the references in the other
    ///   tables' foreign keys and indexes with the table. A source gets its kind, a download
    ///   profile, a pause switch, its filters and retention rules (JSON, validated by the
    ///   domain), and `baseline_pending` for "only new from now on".
    /// - **Profiles.** Named download profiles; one default (a unique partial index), seeded
    ///   from the environment settings while `from_settings` is 1.
    /// - **Entries.** `source_entries` remembers every entry a source listed, with its
    ///   position (a playlist's order) and, when it was not downloaded, why (`skip_reason`):
    ///   a filter, or "only new from now on". Filled from the tracks and downloads of the
    ///   channels migrated, so their re-syncs know what they have.
    /// - `tracks.uploaded_at`, for retention by age and newest-first rules, and `tracks.kept`:
    ///   a track the user restored from the trash stays, whatever the rules say.
    static func introduceSources(_ db: Database) throws {
        let now = Date().timeIntervalSince1970
        let active = JobStatus.active.sql
        try db.execute(sql: """
            ALTER TABLE channels RENAME TO sources;
            ALTER TABLE tracks RENAME COLUMN channel_id TO source_id;
            ALTER TABLE jobs RENAME COLUMN channel_id TO source_id;
            ALTER TABLE tombstones RENAME COLUMN channel_id TO source_id;
            DROP INDEX jobs_one_active_sync;
            UPDATE jobs SET kind = 'source_sync' WHERE kind = 'channel_sync';
            CREATE UNIQUE INDEX jobs_one_active_sync ON jobs(source_id) WHERE kind = 'source_sync' AND status IN \(active);

            CREATE TABLE profiles (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                name TEXT NOT NULL COLLATE NOCASE UNIQUE CHECK (length(name) BETWEEN 1 AND 100),
                is_default INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),
                media TEXT NOT NULL DEFAULT 'audio' CHECK (\(SQLCheck.column("media", in: ProfileMedia.self))),
                audio_codec TEXT,
                audio_quality TEXT,
                max_height INTEGER CHECK (max_height IS NULL OR max_height > 0),
                format TEXT,
                embed_metadata INTEGER NOT NULL DEFAULT 1 CHECK (embed_metadata IN (0, 1)),
                embed_thumbnail INTEGER NOT NULL DEFAULT 1 CHECK (embed_thumbnail IN (0, 1)),
                use_cookies INTEGER NOT NULL DEFAULT 1 CHECK (use_cookies IN (0, 1)),
                extra_args TEXT NOT NULL DEFAULT '[]',
                from_settings INTEGER NOT NULL DEFAULT 0 CHECK (from_settings IN (0, 1)),
                created_at REAL NOT NULL,
                updated_at REAL NOT NULL
            );
            CREATE UNIQUE INDEX profiles_one_default ON profiles(is_default) WHERE is_default = 1;
            INSERT INTO profiles (id, name, is_default, media, audio_codec, from_settings, created_at, updated_at)
                VALUES (1, 'Default', 1, 'audio', 'm4a', 1, \(now), \(now));

            ALTER TABLE sources ADD COLUMN kind TEXT NOT NULL DEFAULT 'channel' CHECK (\(SQLCheck.column("kind", in: SourceKind.self)));
            ALTER TABLE sources ADD COLUMN profile_id INTEGER NOT NULL DEFAULT 1;
            ALTER TABLE sources ADD COLUMN paused INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1));
            ALTER TABLE sources ADD COLUMN filters TEXT;
            ALTER TABLE sources ADD COLUMN retention TEXT;
            ALTER TABLE sources ADD COLUMN baseline_pending INTEGER NOT NULL DEFAULT 0 CHECK (baseline_pending IN (0, 1));
            ALTER TABLE sources ADD COLUMN last_error_class TEXT CHECK (last_error_class IS NULL OR \(SQLCheck.column("last_error_class", in: JobErrorClass.self)));
            ALTER TABLE sources ADD COLUMN last_error_detail TEXT;
            CREATE INDEX sources_profile ON sources(profile_id);

            ALTER TABLE tracks ADD COLUMN uploaded_at REAL;
            ALTER TABLE tracks ADD COLUMN kept INTEGER NOT NULL DEFAULT 0 CHECK (kept IN (0, 1));

            CREATE TABLE source_entries (
                id INTEGER PRIMARY KEY,
                source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
                video_id TEXT NOT NULL,
                url TEXT,
                position INTEGER,
                title TEXT NOT NULL,
                duration REAL,
                uploaded_at REAL,
                first_seen_at REAL NOT NULL,
                last_seen_at REAL NOT NULL,
                skip_reason TEXT,
                UNIQUE (source_id, video_id)
            );
            CREATE INDEX source_entries_order ON source_entries(source_id, position);
            CREATE INDEX source_entries_video ON source_entries(video_id);
            CREATE INDEX source_entries_skipped ON source_entries(source_id, last_seen_at, id) WHERE skip_reason IS NOT NULL;

            INSERT OR IGNORE INTO source_entries (source_id, video_id, url, title, first_seen_at, last_seen_at)
                SELECT source_id, video_id, json_extract(payload, '$.url'), coalesce(title, video_id), created_at, created_at FROM jobs
                WHERE kind = 'download' AND source_id IS NOT NULL AND video_id IS NOT NULL AND json_valid(payload);
            INSERT OR IGNORE INTO source_entries (source_id, video_id, title, duration, first_seen_at, last_seen_at)
                SELECT source_id, video_id, title, duration, created_at, created_at FROM tracks WHERE source_id IS NOT NULL;
            """)
    }
}

extension SchemaMigrations {
    /// Issue 15's schema:
    /// - `profiles.output_template`: the profile's file name template (NULL: the standard
    ///   `{source}/{title} [{id}].{ext}`), validated by the domain (`NameTemplate`).
    /// - `tracks.artist`, `album`, `track_number`: the music tags written into the file, kept so
    ///   that templates, playlists and Subsonic clients see what other players read.
    /// - `file_moves`: the journal of a track whose files are being renamed (a template change).
    ///   The row's new paths and this entry commit together before any file moves; the entry is
    ///   removed once every file is where the row says. A crash in between leaves the entry, and
    ///   start-up finishes the move (`LibraryRenames.reconcile`). `moves` is a JSON array of
    ///   `[from, to]` library-relative pairs.
    static func introduceNamesAndMoves(_ db: Database) throws {
        try db.execute(sql: """
            ALTER TABLE profiles ADD COLUMN output_template TEXT CHECK (output_template IS NULL OR length(output_template) BETWEEN 1 AND 512);
            ALTER TABLE tracks ADD COLUMN artist TEXT;
            ALTER TABLE tracks ADD COLUMN album TEXT;
            ALTER TABLE tracks ADD COLUMN track_number INTEGER CHECK (track_number IS NULL OR track_number >= 0);
            CREATE INDEX tracks_file_path ON tracks(file_path);
            CREATE TABLE file_moves (
                track_id INTEGER PRIMARY KEY REFERENCES tracks(id) ON DELETE CASCADE,
                moves TEXT NOT NULL CHECK (json_valid(moves)),
                created_at REAL NOT NULL
            );
            """)
    }
}

extension SchemaMigrations {
    /// Issue 17's schema: a household on one server.
    /// - `users`: a name (unique without regard to case), a role, an Argon2id hash (PHC string,
    ///   parameters inside; NULL until the owner sets a password at first start) and the sealed
    ///   Subsonic password.
    /// - `sessions` and `api_keys`: only SHA-256 digests of the secrets are stored.
    /// - `user_tracks`: everything that was one person's state on `tracks` (rating, like time,
    ///   play and skip counts, resume position, last play) is now per user, plus `hidden_at`, a
    ///   listener's own deletion. `play_events.user_id` says whose play it was; `user_queues`
    ///   keeps each user's play queue.
    /// - The state of the single-user Spool moves to user 1, the owner (`admin`, no password
    ///   yet), and the counts are checked before the old columns go: a migration that would
    ///   lose a like fails instead, and the database is left as it was (each migration is one
    ///   transaction, and a backup is taken before migrating).
    static func introduceAccounts(_ db: Database) throws {
        let now = Date().timeIntervalSince1970
        try db.execute(sql: """
            CREATE TABLE users (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                name TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (length(name) BETWEEN 1 AND 64),
                role TEXT NOT NULL CHECK (\(SQLCheck.column("role", in: UserRole.self))),
                password_hash TEXT CHECK (password_hash IS NULL OR length(password_hash) <= 512),
                subsonic_password BLOB,
                created_at REAL NOT NULL,
                updated_at REAL NOT NULL
            );
            CREATE TABLE sessions (
                id INTEGER PRIMARY KEY,
                digest BLOB NOT NULL UNIQUE,
                user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                created_at REAL NOT NULL,
                expires_at REAL NOT NULL,
                last_seen_at REAL NOT NULL,
                address TEXT,
                user_agent TEXT
            );
            CREATE INDEX sessions_user ON sessions(user_id, id);
            CREATE INDEX sessions_expiry ON sessions(expires_at);
            CREATE TABLE api_keys (
                id INTEGER PRIMARY KEY,
                digest BLOB NOT NULL UNIQUE,
                user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                label TEXT NOT NULL CHECK (length(label) BETWEEN 1 AND 100),
                created_at REAL NOT NULL,
                last_used_at REAL
            );
            CREATE INDEX api_keys_user ON api_keys(user_id, id);
            CREATE TABLE user_tracks (
                user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                track_id INTEGER NOT NULL REFERENCES tracks(id) ON DELETE CASCADE,
                rating INTEGER NOT NULL DEFAULT 0 CHECK (rating IN (-1, 0, 1)),
                liked_at REAL,
                play_count INTEGER NOT NULL DEFAULT 0 CHECK (play_count >= 0),
                skip_count INTEGER NOT NULL DEFAULT 0 CHECK (skip_count >= 0),
                last_position REAL,
                last_played_at REAL,
                hidden_at REAL,
                PRIMARY KEY (user_id, track_id)
            ) WITHOUT ROWID;
            CREATE INDEX user_tracks_track ON user_tracks(track_id, rating);
            CREATE INDEX user_tracks_likes ON user_tracks(user_id, liked_at, track_id) WHERE rating = 1;
            CREATE INDEX user_tracks_plays ON user_tracks(user_id, play_count, track_id);
            CREATE TABLE user_queues (
                user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
                queue TEXT NOT NULL CHECK (json_valid(queue)),
                updated_at REAL NOT NULL
            );
            ALTER TABLE play_events ADD COLUMN user_id INTEGER REFERENCES users(id) ON DELETE CASCADE;
            CREATE INDEX play_events_user_plays ON play_events(user_id, received_at) WHERE type = 'play';

            INSERT INTO users (id, name, role, password_hash, created_at, updated_at) VALUES (1, 'admin', 'admin', NULL, \(now), \(now));
            INSERT INTO user_tracks (user_id, track_id, rating, liked_at, play_count, skip_count, last_position, last_played_at)
                SELECT 1, id, rating, liked_at, play_count, skip_count, last_position, last_played_at FROM tracks
                WHERE rating <> 0 OR play_count > 0 OR skip_count > 0 OR last_position IS NOT NULL OR last_played_at IS NOT NULL;
            UPDATE play_events SET user_id = 1;
            """)
        let before = try Row.fetchOne(db, sql: """
            SELECT count(*) FILTER (WHERE rating = 1), count(*) FILTER (WHERE rating = -1), total(play_count), total(skip_count),
                   count(last_position) FROM tracks
            """)!
        let after = try Row.fetchOne(db, sql: """
            SELECT count(*) FILTER (WHERE rating = 1), count(*) FILTER (WHERE rating = -1), total(play_count), total(skip_count),
                   count(last_position) FROM user_tracks WHERE user_id = 1
            """)!
        guard before == after else {
            throw DatabaseError(message: "Moving the listening state to the first account would change it (before: \(before), after: \(after)); nothing was changed.")
        }
        try db.execute(sql: """
            DROP INDEX tracks_likes;
            ALTER TABLE tracks DROP COLUMN rating;
            ALTER TABLE tracks DROP COLUMN liked_at;
            ALTER TABLE tracks DROP COLUMN play_count;
            ALTER TABLE tracks DROP COLUMN skip_count;
            ALTER TABLE tracks DROP COLUMN last_position;
            ALTER TABLE tracks DROP COLUMN last_played_at;
            """)
    }
}

extension SchemaMigrations {
    /// Issue 15's library import: what each `library_import` job found (files examined, adopted,
    /// already known, unreadable with reasons, sources created), as JSON the domain defines
    /// (`ImportReport`). Written with each batch of adopted tracks, in the same transaction, so
    /// the report a client reads while the job runs never counts a track that is not there; its
    /// final version commits with the job's completion. One row per job, removed with the job.
    static func createLibraryImports(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE library_imports (
                job_id INTEGER PRIMARY KEY REFERENCES jobs(id) ON DELETE CASCADE,
                report TEXT NOT NULL CHECK (json_valid(report)),
                updated_at REAL NOT NULL
            );
            """)
    }

    /// Issue 18's schema: the library in music and podcast apps.
    /// - `server_values`: facts the server keeps about itself; today the fingerprint of the server
    ///   key file, compared at start so a replaced key is reported instead of every Subsonic app
    ///   failing without a word.
    /// - `user_tracks.stars` (a 1–5 rating, Subsonic's `setRating`, beside the like/dislike
    ///   `rating`) and `position_at` (when the resume position last changed: a bookmark's date).
    /// - `user_annotations`: a user's stars and ratings of albums and artists (`item` is
    ///   `album:<id>` or `artist:<id>`); songs keep theirs in `user_tracks`.
    /// - `playlists` and `playlist_entries`: each user's own playlists, in order, a track at most
    ///   once per position; a purged track leaves its playlists with it.
    /// - `api_keys.scope`: `feeds` keys open only the podcast feeds, because feed URLs travel
    ///   into podcast apps that sync subscriptions to their own servers; `all` keys open the API.
    static func introduceSubsonic(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE server_values (
                name TEXT PRIMARY KEY,
                value TEXT NOT NULL
            ) WITHOUT ROWID;
            ALTER TABLE user_tracks ADD COLUMN stars INTEGER CHECK (stars IS NULL OR stars BETWEEN 1 AND 5);
            ALTER TABLE user_tracks ADD COLUMN position_at REAL;
            CREATE INDEX user_tracks_positions ON user_tracks(user_id, position_at) WHERE last_position > 0;
            CREATE TABLE user_annotations (
                user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                item TEXT NOT NULL CHECK (length(item) BETWEEN 1 AND 64),
                starred_at REAL,
                rating INTEGER CHECK (rating IS NULL OR rating BETWEEN 1 AND 5),
                PRIMARY KEY (user_id, item)
            ) WITHOUT ROWID;
            CREATE INDEX user_annotations_starred ON user_annotations(user_id, starred_at) WHERE starred_at IS NOT NULL;
            CREATE TABLE playlists (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
                comment TEXT CHECK (comment IS NULL OR length(comment) <= 2000),
                public INTEGER NOT NULL DEFAULT 0 CHECK (public IN (0, 1)),
                created_at REAL NOT NULL,
                updated_at REAL NOT NULL
            );
            CREATE INDEX playlists_user ON playlists(user_id, id);
            CREATE TABLE playlist_entries (
                playlist_id INTEGER NOT NULL REFERENCES playlists(id) ON DELETE CASCADE,
                position INTEGER NOT NULL CHECK (position >= 0),
                track_id INTEGER NOT NULL REFERENCES tracks(id) ON DELETE CASCADE,
                PRIMARY KEY (playlist_id, position)
            ) WITHOUT ROWID;
            CREATE INDEX playlist_entries_track ON playlist_entries(track_id);
            ALTER TABLE api_keys ADD COLUMN scope TEXT NOT NULL DEFAULT 'all' CHECK (\(SQLCheck.column("scope", in: ApiKeyScope.self)));
            """)
    }
}

extension SchemaMigrations {
    /// Issue 19's schema: a library of 100,000 tracks, 300,000 jobs and 1,000,000 play events
    /// read with costs that do not grow with the data (`docs/features/scale.md`).
    /// - **An index for every sort and filter the API offers**, so each page is an index seek
    ///   of `limit` rows (the test `ListQueryPlanTests` runs `EXPLAIN QUERY PLAN` on every list
    ///   query): the library by title, alone and within a source, twice as a partial index —
    ///   the live tracks and the trash (a row is in one of each pair, so the pair costs what one
    ///   full index would, and neither list walks past the other's rows; with one index, a trash
    ///   sorted by title was a sort of the whole trash); the trash by id, alone and within a
    ///   source (the newest and oldest orders); each user's hidden tracks (a user's total is the
    ///   library's counter minus these, and their count reads only them); plays are each user's
    ///   own since v7 and sort by `user_tracks_plays` (v7); jobs of one
    ///   source newest first, by video (a source's entries show each video's last job; a sync
    ///   checks what is known), and finished jobs by age (pruning); a source's entries in
    ///   listing order (the expression the list sorts by).
    /// - **Counters** kept by triggers (`StoredCounts`), filled from the rows once here.
    static func indexAndCountForScale(_ db: Database) throws {
        try db.execute(sql: """
            CREATE INDEX tracks_title ON tracks(title COLLATE NOCASE, id) WHERE deleted_at IS NULL;
            CREATE INDEX tracks_source_title ON tracks(source_id, title COLLATE NOCASE, id) WHERE deleted_at IS NULL;
            CREATE INDEX tracks_trashed ON tracks(id) WHERE deleted_at IS NOT NULL;
            CREATE INDEX tracks_trashed_title ON tracks(title COLLATE NOCASE, id) WHERE deleted_at IS NOT NULL;
            CREATE INDEX tracks_trashed_source ON tracks(source_id, id) WHERE deleted_at IS NOT NULL;
            CREATE INDEX tracks_trashed_source_title ON tracks(source_id, title COLLATE NOCASE, id) WHERE deleted_at IS NOT NULL;
            CREATE INDEX user_tracks_hidden ON user_tracks(user_id, track_id) WHERE hidden_at IS NOT NULL;
            CREATE INDEX jobs_source ON jobs(source_id, id);
            CREATE INDEX jobs_source_due ON jobs(source_id, priority DESC, run_after, id) WHERE status IN \(JobStatus.waiting.sql);
            CREATE INDEX jobs_video ON jobs(video_id, id) WHERE video_id IS NOT NULL;
            CREATE INDEX jobs_finished ON jobs(status, finished_at) WHERE finished_at IS NOT NULL;
            CREATE INDEX source_entries_listing ON source_entries(source_id, coalesce(position, 1e12), id);
            """)
        try db.execute(sql: StoredCounts.table)
        try db.execute(sql: StoredCounts.triggers)
        try StoredCounts.rebuild(db, userSums: false)
    }

    /// v12 (issue 14, "already added" whatever the spelling): `sources.url_key`, the one key of
    /// the source a URL names (`SourceURL.key`: `youtube.com/@x` for `https://m.youtube.com/@x/videos?si=…`),
    /// unique where set. The key is computed by the domain, which is above this target: rows
    /// written before v12 get theirs when the domain starts (`SourceService.fillURLKeys`); two
    /// old sources with one key keep the second without one rather than losing a row.
    static func keySourcesByURL(_ db: Database) throws {
        try db.execute(sql: """
            ALTER TABLE sources ADD COLUMN url_key TEXT;
            CREATE UNIQUE INDEX sources_url_key ON sources(url_key);
            """)
    }
}

extension SchemaMigrations {
    /// Issue 19's second schema change:
    /// - `user_tracks_rating` (user, rating, track): a page of a user's likes or dislikes in the
    ///   library's newest or oldest order walks that user's rated rows instead of the library.
    ///   Without it, a page of the dislikes (1 % of the library) walked 10,000 tracks and
    ///   checked each one's state: 259 ms at 100,000 tracks against 2.7 ms at 1,000
    ///   (docs/benchmarks.md).
    /// - **Each user's counters** (`StoredCounts.userTriggers`): hidden, liked and disliked
    ///   tracks per source, so a user's totals no longer read the user's rows. The rebuild
    ///   recounts every counter (the library's too; they are unchanged by it).
    static func countPerUser(_ db: Database) throws {
        try db.execute(sql: "CREATE INDEX user_tracks_rating ON user_tracks(user_id, rating, track_id)")
        try db.execute(sql: StoredCounts.userTriggers)
        try StoredCounts.rebuild(db, userSums: false)
    }
}

extension SchemaMigrations {
    /// Issue 19's third schema change: `getAlbumList2` by plays, last play, stars and year
    /// without a pass over every track (each was a grouped pass over the library, ~140–170 ms at
    /// 100,000 tracks, docs/benchmarks.md).
    /// - **Each user's sums per source** (`StoredCounts.userSumTriggers`): plays, played songs,
    ///   the total and the number of song stars, over the tracks the user may see; `frequent`
    ///   and `highest` read them (a few rows per source).
    /// - `user_tracks_last_played` (user, last play): `recent` walks a user's plays newest
    ///   first and stops after the page's albums.
    /// - `tracks_source_upload` (source, newest upload) over the live tracks: `byYear` takes
    ///   each album's newest upload with one seek per source.
    static func sumPlaysAndStarsPerAlbum(_ db: Database) throws {
        try db.execute(sql: """
            CREATE INDEX user_tracks_last_played ON user_tracks(user_id, last_played_at) WHERE last_played_at IS NOT NULL;
            CREATE INDEX tracks_source_upload ON tracks(source_id, coalesce(uploaded_at, created_at)) WHERE deleted_at IS NULL;
            """)
        try db.execute(sql: StoredCounts.userSumTriggers)
        try StoredCounts.rebuild(db)
    }

    /// The search as you type asks for a prefix of its last word (`"a"*`, `"lo"*`). Without a
    /// prefix index FTS5 merges the lists of every word that starts so on each query: at 100,000
    /// tracks, `"a"*` (19,538 matches) took 3.3 ms to count and 2.5 ms for a page of 100 newest
    /// first; with prefixes of one and two characters indexed, 0.8 and 0.15 ms (sqlite3), and a
    /// page of the search "a" through the server 18.9 → 14.7 ms p50 (`ab.py`, issue 19). Longer
    /// prefixes are few words each and cost the same either way. The index is 2.9× larger
    /// (3.4 → 9.8 MB at 100,000 tracks), the rebuild 1.3 s at that size. The triggers of v2 name
    /// the table and keep working on the new one.
    static func indexSearchPrefixes(_ db: Database) throws {
        try db.execute(sql: """
            DROP TABLE tracks_search;
            CREATE VIRTUAL TABLE tracks_search USING fts5(
                title, uploader, content='tracks', content_rowid='id', tokenize='unicode61 remove_diacritics 2', prefix='1 2'
            );
            INSERT INTO tracks_search(rowid, title, uploader) SELECT id, title, coalesce(uploader, '') FROM tracks;
            """)
    }

    /// One album's totals (`MusicLibrary.albumTotalsQuery`: a page of `getAlbumList2` totals its
    /// 50 albums one by one) read every visible track of the source: its count, duration,
    /// first and last addition and newest upload. On `tracks_channel` (source, id) each is a
    /// seek into the table's wide rows; this index holds those columns, so the walk stays in
    /// the index: 50 albums of the benchmark's library (9,961 tracks) 15.1 → 9.0 ms in sqlite3,
    /// of which 7.2 are the seeks of the user's own rows (plays, stars, hidden), which no index
    /// of `tracks` can hold. `deleted_at` is a column too, not only the condition: SQLite 3.40
    /// reads the table row to check a partial index's condition on a column the index lacks.
    static func indexAlbumTotals(_ db: Database) throws {
        try db.execute(sql: """
            CREATE INDEX tracks_source_totals ON tracks(source_id, deleted_at, duration, created_at, uploaded_at)
                WHERE deleted_at IS NULL;
            """)
    }

    /// When the next waiting job of some kinds falls due (`JobQueue.nextDueTime`), which every
    /// idle worker asks after a claim found nothing, and housekeeping before it runs: with
    /// statistics, SQLite walked `jobs_kind` (kind, id) and read every job of the kinds to test
    /// its status, 65–225 ms at 300,000 jobs (issue 19, eleventh round, seen in the benchmark's
    /// server, whose workers fail and retry the seeded jobs). On this index, the earliest
    /// waiting job of a kind is its first entry: 5 µs.
    static func indexWaitingJobsByKind(_ db: Database) throws {
        try db.execute(sql: """
            CREATE INDEX jobs_kind_due ON jobs(kind, run_after) WHERE status IN ('pending', 'retrying');
            """)
    }

    /// Analyzes every index that has no statistics in a database whose other indexes have
    /// them (nothing in a database without any). `SpoolDatabase.migrate` runs it at every
    /// start, after the migrations, so an index any migration adds is analyzed with the rest.
    /// An index with no row (a partial one) gets no statistics and is analyzed again, at no cost.
    ///
    /// Among analyzed indexes, the planner takes one without statistics for a good match: with
    /// v13's `tracks_source_upload` (source, newest upload) unanalyzed, every order of a source's
    /// library page was planned on it and sorted all of the source's tracks (`ListQueryPlanTests`'
    /// database), where `tracks_channel` (source, id) and `tracks_source_title` give the order. An
    /// index of the same shape, tried for album totals, made that page 97 ms where it takes 3 on
    /// the benchmark's 100,000 tracks. `PRAGMA optimize` in housekeeping does not fix it on its
    /// own: it considers only tables the writer connection's own queries used, and the lists
    /// are read on the readers.
    ///
    /// A `WITHOUT ROWID` table is its own index (its statistics are under its name): v14 dropped
    /// and re-created the search index, whose shadow tables `tracks_search_idx` and
    /// `tracks_search_config` are such tables (of type `shadow` in `pragma_table_list`), and
    /// their statistics went with them.
    static func analyzeIndexesWithoutStatistics(_ db: Database) throws {
        guard try db.tableExists("sqlite_stat1") else { return }
        let unanalyzed = try String.fetchAll(db, sql: """
            SELECT name FROM sqlite_master WHERE type = 'index'
            AND name NOT IN (SELECT idx FROM sqlite_stat1 WHERE idx IS NOT NULL)
            UNION ALL
            SELECT name FROM pragma_table_list WHERE schema = 'main' AND type IN ('table', 'shadow') AND wr = 1
            AND name NOT IN (SELECT idx FROM sqlite_stat1 WHERE idx IS NOT NULL)
            """)
        for index in unanalyzed {
            try db.execute(sql: "ANALYZE \(index.quotedDatabaseIdentifier)")
        }
    }
}

/// Rebuilds a table whose column definitions must change (SQLite cannot alter a column or a
/// CHECK constraint): creates a copy from the table's own stored `CREATE TABLE` text as
/// `transform` changes it, copies every row, swaps the two, and re-creates the table's indexes.
/// Migrations run with foreign keys off (GRDB's default), so dropping a parent table does not
/// cascade into its children.
enum TableRebuild {
    static func rebuild(_ table: String, in db: Database, transform: (String) -> String) throws {
        guard let create = try String.fetchOne(
            db, sql: "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", arguments: [table])
        else { return }
        let indexes = try String.fetchAll(
            db, sql: "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
            arguments: [table])
        // A table renamed by an earlier rebuild is stored with its name quoted.
        let rebuilt = transform(create).replacingOccurrences(
            of: #"^CREATE TABLE "?\#(table)"? \("#, with: "CREATE TABLE \(table)_rebuilt (", options: .regularExpression)
        guard rebuilt.hasPrefix("CREATE TABLE \(table)_rebuilt (") else {
            throw DatabaseError(message: "Unexpected definition of \(table); cannot rebuild it: \(create)")
        }
        try db.execute(sql: rebuilt)
        try db.execute(sql: "INSERT INTO \(table)_rebuilt SELECT * FROM \(table)")
        // Dropping the table drops its triggers (the search index's, the counters'): they are
        // made again on the new one, like its indexes. (Triggers do not fire on DROP TABLE or on
        // the copy into the new table, so the counters stay true.)
        let triggers = try String.fetchAll(
            db, sql: "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ? AND sql IS NOT NULL",
            arguments: [table])
        try db.execute(sql: "DROP TABLE \(table)")
        try db.execute(sql: "ALTER TABLE \(table)_rebuilt RENAME TO \(table)")
        for index in indexes { try db.execute(sql: index) }
        for trigger in triggers { try db.execute(sql: trigger) }
    }
}
