"""letters with no topic waiting, by the named things of their titles, for a thread to start on them

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 20:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.models

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "waiting_letters",
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("mark", sa.String(length=64), nullable=False),
        sa.Column("published_at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name=op.f("fk_waiting_letters_document_id_documents")
        ),
        sa.PrimaryKeyConstraint("document_id", "mark", name=op.f("pk_waiting_letters")),
    )
    with op.batch_alter_table("waiting_letters", schema=None) as batch_op:
        batch_op.create_index("ix_waiting_letters_mark_published", ["mark", "published_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_waiting_letters_published_at"), ["published_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("waiting_letters", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_waiting_letters_published_at"))
        batch_op.drop_index("ix_waiting_letters_mark_published")
    op.drop_table("waiting_letters")
