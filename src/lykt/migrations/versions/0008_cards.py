"""Information cards adapted to age (``info_cards``), with a few starter cards in bokmål and
English that the helpline must review (docs/content.md); and ``messages.card``: the card a
host sent into a chat (JSON ``{slug, title, body}``), null for every ordinary message.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# (slug, ages, {lang: (title, body)}), in the order the waiting room shows them. Our own
# plain words for a child of about ten; to be confirmed by the helpline (docs/content.md).
STARTER_CARDS: list[tuple[str, tuple[int, int], dict[str, tuple[str, str]]]] = [
    (
        "all-feelings-allowed",
        (5, 25),
        {
            "nb": (
                "Alle følelser er lov",
                "Når mamma eller pappa er i fengsel, kan du kjenne mye på en gang.\n\n"
                "- Lei deg, sint, flau, redd eller lettet.\n"
                "- Glad for noe helt annet, og så trist igjen.\n"
                "- Ingenting i det hele tatt en stund.\n\n"
                "Alt dette er vanlig. Følelser er ikke riktige eller gale.\n\n"
                "**Det hjelper ofte å sette ord på det. Du kan skrive til oss om hva som "
                "helst.**",
            ),
            "en": (
                "All feelings are allowed",
                "When your mum or dad is in prison, you may feel a lot at once.\n\n"
                "- Sad, angry, embarrassed, scared or relieved.\n"
                "- Happy about something else, then sad again.\n"
                "- Nothing at all for a while.\n\n"
                "All of this is normal. Feelings are not right or wrong.\n\n"
                "**Putting it into words often helps. You can write to us about anything.**",
            ),
        },
    ),
    (
        "missing-mum-or-dad",
        (5, 25),
        {
            "nb": (
                "Når du savner mamma eller pappa",
                "Det er vanlig å savne den som er i fengsel. Savnet kan komme når som "
                "helst, også midt i noe fint.\n\n"
                "- Skriv et brev eller lag en tegning du kan sende eller ta med på neste "
                "besøk.\n"
                "- Ha noe som minner deg om dem, som et bilde eller en genser.\n"
                "- Snakk med en voksen du stoler på om hvordan du har det.\n"
                "- Du kan også skrive til oss her.\n\n"
                "**Det er lov å savne noen og være sint på dem samtidig.**",
            ),
            "en": (
                "When you miss your mum or dad",
                "Missing the one in prison is normal. It can come at any time, even in the "
                "middle of something nice.\n\n"
                "- Write a letter or make a drawing you can send or bring to the next "
                "visit.\n"
                "- Keep something that reminds you of them, like a photo or a jumper.\n"
                "- Talk to a grown-up you trust about how you feel.\n"
                "- You can also write to us here.\n\n"
                "**It is okay to miss someone and be angry with them at the same time.**",
            ),
        },
    ),
    (
        "visiting-prison",
        (5, 12),
        {
            "nb": (
                "Å besøke noen i fengsel",
                "Mange barn besøker mamma eller pappa i fengselet. Det kan kjennes rart "
                "første gang.\n\n"
                "- Du kommer sammen med en voksen.\n"
                "- Ved inngangen sjekker de vesker og lommer. Det gjør de med alle, ikke "
                "bare deg.\n"
                "- Ofte sitter dere i et besøksrom. Noen fengsler har leker og et eget rom "
                "for barn.\n"
                "- Besøket varer en stund, og så er det tid for å si ha det.\n\n"
                "Det er helt greit å være glad, lei seg eller litt redd. Du kan spørre de "
                "ansatte om det du lurer på.\n\n"
                "**Du har lov til å ønske å besøke, og lov til å ikke ville.**",
            ),
            "en": (
                "Visiting someone in prison",
                "Lots of children visit their mum or dad in prison. It can feel strange "
                "the first time.\n\n"
                "- You come with a grown-up.\n"
                "- At the door, staff check bags and pockets. They do this with everyone, "
                "not just you.\n"
                "- Often you sit together in a visiting room. Some prisons have toys and a "
                "room just for children.\n"
                "- The visit lasts a while, and then it is time to say goodbye.\n\n"
                "It is fine to feel happy, sad or a bit scared. You can ask the staff about "
                "anything you wonder about.\n\n"
                "**You are allowed to want to visit, and allowed not to.**",
            ),
        },
    ),
    (
        "visiting-prison-older",
        (13, 25),
        {
            "nb": (
                "Besøk i fengsel",
                "Et besøk kan være fint, rart og tungt, gjerne på en gang.\n\n"
                "- Besøk avtales med fengselet. Spør den voksne du bor med, eller ring "
                "fengselet.\n"
                "- Alle blir sjekket ved inngangen. Det handler om sikkerhet, ikke om "
                "deg.\n"
                "- Noen kan også snakke sammen på telefon eller video. Spør fengselet hva "
                "som går an.\n\n"
                "**Det er lov å si hva du vil: om du vil besøke, og hvor ofte.**",
            ),
            "en": (
                "Visiting prison",
                "A visit can feel good, strange and heavy, often all at once.\n\n"
                "- Visits are agreed with the prison. Ask the adult you live with, or call "
                "the prison.\n"
                "- Everyone is checked at the entrance. It is about safety, not about "
                "you.\n"
                "- Some can also talk on the phone or by video. Ask the prison what is "
                "possible.\n\n"
                "**You can say what you want: whether you want to visit, and how often.**",
            ),
        },
    ),
    (
        "telling-friends",
        (5, 12),
        {
            "nb": (
                "Hva skal jeg si til vennene mine?",
                "Du bestemmer selv hva du vil fortelle, og hvem du vil fortelle det "
                "til.\n\n"
                "- Du kan fortelle alt, litt eller ingenting.\n"
                "- Det kan hjelpe å fortelle det til én du stoler på, som en venn, en "
                "lærer eller helsesykepleieren.\n"
                "- Du kan si: «Pappa er borte en stund, og jeg vil ikke snakke om det "
                "nå.»\n\n"
                "Hvis noen erter deg, er det ikke din feil. Si fra til en voksen.\n\n"
                "**Det mamma eller pappa har gjort, er ikke din skyld.**",
            ),
            "en": (
                "What do I tell my friends?",
                "You decide what you want to tell, and who you tell.\n\n"
                "- You can tell everything, a little, or nothing at all.\n"
                "- It can help to tell one person you trust, like a friend, a teacher or "
                "the school nurse.\n"
                "- You can say: “My dad is away for a while, and I don't want to talk about "
                "it now.”\n\n"
                "If someone teases you, it is not your fault. Tell a grown-up.\n\n"
                "**What your mum or dad did is not your fault.**",
            ),
        },
    ),
    (
        "telling-friends-older",
        (13, 25),
        {
            "nb": (
                "Hvem skal vite det?",
                "Det er din historie, og du velger hvem som får høre den.\n\n"
                "- Noen synes det er godt å fortelle en god venn. Andre venter.\n"
                "- Du trenger ikke forklare hva som skjedde eller hvorfor.\n"
                "- Sier noen noe sårende på skolen eller på nettet, kan du si fra til en "
                "lærer eller en annen du stoler på.\n\n"
                "**Du er ikke det forelderen din har gjort.**",
            ),
            "en": (
                "Who should know?",
                "It is your story, and you choose who gets to hear it.\n\n"
                "- Some find it good to tell a close friend. Others wait.\n"
                "- You don't have to explain what happened or why.\n"
                "- If someone says something hurtful at school or online, you can tell a "
                "teacher or someone else you trust.\n\n"
                "**You are not what your parent did.**",
            ),
        },
    ),
]


def upgrade() -> None:
    cards = op.create_table(
        "info_cards",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("slug", sa.String(60), nullable=False),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.Column("title", sa.String(120), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("age_min", sa.Integer(), nullable=False),
        sa.Column("age_max", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.UniqueConstraint("slug", "lang", name="uq_info_cards_slug_lang"),
    )
    assert cards is not None
    rows = []
    for position, (slug, (age_min, age_max), texts) in enumerate(STARTER_CARDS):
        for lang, (title, body) in texts.items():
            rows.append(
                {
                    "slug": slug,
                    "lang": lang,
                    "title": title,
                    "body": body,
                    "age_min": age_min,
                    "age_max": age_max,
                    "position": position,
                }
            )
    op.bulk_insert(cards, rows)
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("card", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("card")
    op.drop_table("info_cards")
