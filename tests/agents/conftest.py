from fakes.fixtures import fake_claude, fake_llm, llm_settings

__all__ = ["fake_claude", "fake_llm", "llm_settings"]
