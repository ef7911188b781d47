-- Authors and tags, each with a page. A story's authors are linked in the
-- byline's order; articles.author still holds the byline as text (the
-- names joined), so the article page and feeds need no join.
--
-- name_key is the name in lower case: one author per name, whatever the
-- case an editor types it in. Two stories saved at once naming the same
-- new author create one row, the second save finding the first's.
CREATE TABLE authors (
    id       INTEGER PRIMARY KEY,
    slug     TEXT NOT NULL UNIQUE,
    name     TEXT NOT NULL,
    name_key TEXT NOT NULL UNIQUE,
    bio      TEXT NOT NULL DEFAULT '',
    photo    TEXT NOT NULL DEFAULT ''
);

CREATE TABLE article_authors (
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    author_id  INTEGER NOT NULL REFERENCES authors(id),
    position   INTEGER NOT NULL,
    PRIMARY KEY (article_id, author_id)
);
-- An author's page lists their stories.
CREATE INDEX article_authors_author ON article_authors (author_id, article_id);

-- A tag is known by its slug: "Budget 2026" and "budget-2026" are one.
CREATE TABLE tags (
    id   INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL
);

-- position keeps the order the editor gave the tags.
CREATE TABLE article_tags (
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    tag_id     INTEGER NOT NULL REFERENCES tags(id),
    position   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (article_id, tag_id)
);
CREATE INDEX article_tags_tag ON article_tags (tag_id, article_id);

-- A section's page is read a page at a time by (published_at, id): with
-- id in the index, a page deep in the past starts where the cursor
-- points instead of sorting the section's ties.
DROP INDEX articles_section;
CREATE INDEX articles_section ON articles (section_id, published_at DESC, id DESC);
