"""PostgreSQL full-text search folds accents, as SQLite's does: "Guaido" finds "Guaidó".

A SQL function ``newsweave_fold(text)`` (immutable: ``translate`` of the Latin letters with
diacritics, including Latin Extended-A/B and Latin Extended Additional, to their base letter, and
ø, ł, đ, ı, ħ, ŧ to theirs) is applied to the title and text inside the generated ``articles.search``
column, and by the search module to every query (:mod:`newsweave.service.search`), so both sides are
folded alike. The column is made again (PostgreSQL recomputes it for every stored article) with its
GIN index. ``unaccent`` would do the same, but it is an extension that a store's role may not be
allowed to create, and its default dictionary is not immutable, which a generated column requires.
SQLite is unchanged (FTS5's ``remove_diacritics 2`` already folds).

Revision ID: 0007
Revises: 0006
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

#: letters with diacritics and, at the same place, the letter each folds to
FROM = ("ÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖÙÚÛÜÝàáâãäåçèéêëìíîïñòóôõöùúûüýÿĀāĂăĄąĆćĈĉĊċČčĎďĒēĔĕĖėĘęĚěĜĝĞğĠġĢģĤĥĨ"
        "ĩĪīĬĭĮįİĴĵĶķĹĺĻļĽľŃńŅņŇňŌōŎŏŐőŔŕŖŗŘřŚśŜŝŞşŠšŢţŤťŨũŪūŬŭŮůŰűŲųŴŵŶŷŸŹźŻżŽžƠơƯưǍǎǏǐǑǒǓǔǕǖǗǘǙǚǛ"
        "ǜǞǟǠǡǦǧǨǩǪǫǬǭǰǴǵǸǹǺǻȀȁȂȃȄȅȆȇȈȉȊȋȌȍȎȏȐȑȒȓȔȕȖȗȘșȚțȞȟȦȧȨȩȪȫȬȭȮȯȰȱȲȳḀḁḂḃḄḅḆḇḈḉḊḋḌḍḎḏḐḑḒḓḔḕḖḗḘḙ"
        "ḚḛḜḝḞḟḠḡḢḣḤḥḦḧḨḩḪḫḬḭḮḯḰḱḲḳḴḵḶḷḸḹḺḻḼḽḾḿṀṁṂṃṄṅṆṇṈṉṊṋṌṍṎṏṐṑṒṓṔṕṖṗṘṙṚṛṜṝṞṟṠṡṢṣṤṥṦṧṨṩṪṫṬṭṮṯṰṱṲṳ"
        "ṴṵṶṷṸṹṺṻṼṽṾṿẀẁẂẃẄẅẆẇẈẉẊẋẌẍẎẏẐẑẒẓẔẕẖẗẘẙẠạẢảẤấẦầẨẩẪẫẬậẮắẰằẲẳẴẵẶặẸẹẺẻẼẽẾếỀềỂểỄễỆệỈỉỊịỌọỎỏỐốỒồ"
        "ỔổỖỗỘộỚớỜờỞởỠỡỢợỤụỦủỨứỪừỬửỮữỰựỲỳỴỵỶỷỸỹøØłŁđĐıħĦŧŦ")
TO = ("AAAAAACEEEEIIIINOOOOOUUUUYaaaaaaceeeeiiiinooooouuuuyyAaAaAaCcCcCcCcDdEeEeEeEeEeGgGgGgGgHhI"
        "iIiIiIiIJjKkLlLlLlNnNnNnOoOoOoRrRrRrSsSsSsSsTtTtUuUuUuUuUuUuWwYyYZzZzZzOoUuAaIiOoUuUuUuUuU"
        "uAaAaGgKkOoOojGgNnAaAaAaEeEeIiIiOoOoRrRrUuUuSsTtHhAaEeOoOoOoOoYyAaBbBbBbCcDdDdDdDdDdEeEeEe"
        "EeEeFfGgHhHhHhHhHhIiIiKkKkKkLlLlLlLlMmMmMmNnNnNnNnOoOoOoOoPpPpRrRrRrRrSsSsSsSsSsTtTtTtTtUu"
        "UuUuUuUuVvVvWwWwWwWwWwXxXxYyZzZzZzhtwyAaAaAaAaAaAaAaAaAaAaAaAaEeEeEeEeEeEeEeEeIiIiOoOoOoOo"
        "OoOoOoOoOoOoOoOoUuUuUuUuUuUuUuYyYyYyYyoOlLdDihHtT")

COLUMN = ("ALTER TABLE articles ADD COLUMN search tsvector GENERATED ALWAYS AS ("
          "setweight(to_tsvector('english'::regconfig, {fold}(coalesce(title, ''))), 'A') || "
          "setweight(to_tsvector('english'::regconfig, {fold}(left(text, 500000))), 'B')) STORED")
INDEX = "CREATE INDEX ix_articles_search ON articles USING gin (search)"


def upgrade() -> None:
    """Create ``newsweave_fold`` and index the folded title and text."""
    if op.get_bind().dialect.name != "postgresql":
        return
    assert len(FROM) == len(TO)
    op.execute(f"CREATE OR REPLACE FUNCTION newsweave_fold(text) RETURNS text LANGUAGE sql IMMUTABLE STRICT "
               f"PARALLEL SAFE AS $$ SELECT translate($1, '{FROM}', '{TO}') $$")
    op.execute("ALTER TABLE articles DROP COLUMN search")  # its index goes with it
    op.execute(COLUMN.format(fold="newsweave_fold"))
    op.execute(INDEX)


def downgrade() -> None:
    """Index the title and text as they are again (revision 0005's column) and drop the function."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE articles DROP COLUMN search")
    op.execute(COLUMN.format(fold=""))
    op.execute(INDEX)
    op.execute("DROP FUNCTION IF EXISTS newsweave_fold(text)")
