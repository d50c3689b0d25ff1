from textkit.slug import slugify


def test_simple_words():
    assert slugify("Hello World") == "hello-world"


def test_punctuation_collapses():
    assert slugify("Hello, World!") == "hello-world"


def test_accents_fold_to_ascii():
    assert slugify("Crème Brûlée") == "creme-brulee"


def test_custom_separator():
    assert slugify("Hello World", separator="_") == "hello_world"


def test_no_separator_at_the_ends():
    assert slugify("  --Hello--  ") == "hello"


def test_digits_kept():
    assert slugify("Top 10 Tips") == "top-10-tips"
