"""Applications, parental consent, application events, notifications

Revision ID: 1b90d5faf693
Revises: 0beeeabaedc4
Create Date: 2026-12-04 19:12:47.020221

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1b90d5faf693'
down_revision = '0beeeabaedc4'
branch_labels = None
depends_on = None


def upgrade():
    # First: application's (student_profile_id, school_id) foreign key refers to this constraint.
    with op.batch_alter_table('student_profile', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_student_profile_id_school_id', ['id', 'school_id'])

    op.create_table('notification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('message', sa.String(length=300), nullable=False),
    sa.Column('link', sa.String(length=200), nullable=True),
    sa.Column('read_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_notification_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification'))
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index('ix_notification_user_read', ['user_id', 'read_at'], unique=False)

    op.create_table('application',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('student_profile_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('placement_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('share_needs', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('school_comment', sa.Text(), nullable=True),
    sa.Column('cancel_reason', sa.Text(), nullable=True),
    sa.Column('feedback', sa.Text(), nullable=True),
    sa.Column('criteria_met', sa.String(length=200), nullable=True),
    sa.Column('hours_attended', sa.Float(), nullable=True),
    sa.Column('reflection', sa.Text(), nullable=True),
    sa.Column('reflected_at', sa.DateTime(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(), nullable=False),
    sa.Column('status_changed_at', sa.DateTime(), nullable=False),
    sa.Column('waitlisted_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("status IN ('submitted', 'returned', 'declined_by_school', 'awaiting_consent', 'with_employer', 'waitlisted', 'declined_by_employer', 'offered', 'declined_by_student', 'accepted', 'confirmed', 'completed', 'no_show', 'withdrawn', 'cancelled')", name=op.f('ck_application_status')),
    sa.CheckConstraint('answer IS NULL OR length(answer) <= 1500', name=op.f('ck_application_answer_length')),
    sa.CheckConstraint('hours_attended IS NULL OR hours_attended BETWEEN 0 AND 500', name=op.f('ck_application_hours_attended')),
    sa.ForeignKeyConstraint(['placement_id'], ['placement.id'], name=op.f('fk_application_placement_id_placement'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['student_profile_id', 'school_id'], ['student_profile.id', 'student_profile.school_id'], name='fk_application_student_school', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_application')),
    sa.UniqueConstraint('student_profile_id', 'placement_id', name='uq_application_student_placement')
    )
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.create_index('ix_application_placement_status', ['placement_id', 'status'], unique=False)
        batch_op.create_index('ix_application_school_status', ['school_id', 'status'], unique=False)

    op.create_table('application_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('from_status', sa.String(length=24), nullable=True),
    sa.Column('to_status', sa.String(length=24), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['user.id'], name=op.f('fk_application_event_actor_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], name=op.f('fk_application_event_application_id_application'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_application_event'))
    )
    with op.batch_alter_table('application_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_application_event_application_id'), ['application_id'], unique=False)

    op.create_table('parental_consent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('given_by', sa.String(length=200), nullable=False),
    sa.Column('relationship_to_student', sa.String(length=100), nullable=False),
    sa.Column('given_on', sa.Date(), nullable=False),
    sa.Column('method', sa.String(length=20), nullable=False),
    sa.Column('risk_findings_shared', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("method IN ('signed_form', 'online_form', 'email', 'phone', 'in_person')", name=op.f('ck_parental_consent_method')),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], name=op.f('fk_parental_consent_application_id_application'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'], name=op.f('fk_parental_consent_recorded_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_parental_consent')),
    sa.UniqueConstraint('application_id', 'version', name=op.f('uq_parental_consent_application_id'))
    )
    with op.batch_alter_table('parental_consent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_parental_consent_application_id'), ['application_id'], unique=False)

    # ### end Alembic commands ###


def downgrade():
    # ### commands auto generated by Alembic - please adjust! ###
    with op.batch_alter_table('parental_consent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_parental_consent_application_id'))

    op.drop_table('parental_consent')
    with op.batch_alter_table('application_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_application_event_application_id'))

    op.drop_table('application_event')
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.drop_index('ix_application_school_status')
        batch_op.drop_index('ix_application_placement_status')

    op.drop_table('application')
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index('ix_notification_user_read')

    op.drop_table('notification')
    # Last: application's foreign key depended on it.
    with op.batch_alter_table('student_profile', schema=None) as batch_op:
        batch_op.drop_constraint('uq_student_profile_id_school_id', type_='unique')

