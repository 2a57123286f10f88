"""Student import: UPN, legal names, leavers; students may have no email

Revision ID: 0beeeabaedc4
Revises: 81e0f82e28c4
Create Date: 2026-12-04 17:05:41.439135

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0beeeabaedc4'
down_revision = '81e0f82e28c4'
branch_labels = None
depends_on = None


def upgrade():
    # user first: student_profile's new foreign key refers to the (id, school_id) unique constraint.
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.alter_column('email',
               existing_type=sa.VARCHAR(length=254),
               nullable=True)
        batch_op.create_unique_constraint('uq_user_id_school_id', ['id', 'school_id'])
        batch_op.create_check_constraint(op.f('ck_user_email'), "email IS NOT NULL OR role = 'student'")

    with op.batch_alter_table('student_profile', schema=None) as batch_op:
        batch_op.add_column(sa.Column('school_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('upn', sa.String(length=13), nullable=True))
        batch_op.add_column(sa.Column('legal_first_name', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('legal_last_name', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('left_at', sa.DateTime(), nullable=True))

    op.execute('UPDATE student_profile SET school_id = (SELECT "user".school_id FROM "user" WHERE "user".id = student_profile.user_id)')

    # (user_id) -> user.id becomes (user_id, school_id) -> user (id, school_id).
    with op.batch_alter_table('student_profile', schema=None) as batch_op:
        batch_op.alter_column('school_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_constraint('fk_student_profile_user_id_user', type_='foreignkey')
        batch_op.create_unique_constraint('uq_student_profile_school_id_upn', ['school_id', 'upn'])
        batch_op.create_foreign_key('fk_student_profile_user_school', 'user', ['user_id', 'school_id'], ['id', 'school_id'], onupdate='CASCADE', ondelete='CASCADE')


def downgrade():
    # Fails (NOT NULL on user.email) while students without an email exist: give them one, or delete them, first.
    with op.batch_alter_table('student_profile', schema=None) as batch_op:
        batch_op.drop_constraint('fk_student_profile_user_school', type_='foreignkey')
        batch_op.drop_constraint('uq_student_profile_school_id_upn', type_='unique')
        batch_op.create_foreign_key('fk_student_profile_user_id_user', 'user', ['user_id'], ['id'], ondelete='CASCADE')
        batch_op.drop_column('left_at')
        batch_op.drop_column('legal_last_name')
        batch_op.drop_column('legal_first_name')
        batch_op.drop_column('upn')
        batch_op.drop_column('school_id')

    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_user_email'), type_='check')
        batch_op.drop_constraint('uq_user_id_school_id', type_='unique')
        batch_op.alter_column('email',
               existing_type=sa.VARCHAR(length=254),
               nullable=False)
