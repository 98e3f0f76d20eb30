"""merge user sessions, privacy requests, attendance index

Revision ID: 74bb6a470367
Revises: 485bb871c3e5, 5f0562f2e556, 8eb285292be3
Create Date: 2026-11-26 12:16:26.727641

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '74bb6a470367'
down_revision = ('485bb871c3e5', '5f0562f2e556', '8eb285292be3')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
