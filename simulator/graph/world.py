"""The Page's world as tests, the control API and the traffic generator change it."""

from __future__ import annotations

from typing import Any

from simulator.fb_webhooks import messaging_entry
from simulator.graph.feed import GraphFeed
from simulator.graph.messenger import GraphMessenger
from simulator.graph.state import Post, fb_time


class GraphWorld(GraphFeed, GraphMessenger):
    """Customers' comments and messages arriving, and what the Page published."""

    # --- the world, for tests, the control API and the traffic generator ---------------------
    def add_page_post(self, *, message: str) -> dict[str, Any]:
        with self.sim.lock:
            now = self.sim.clock.now()
            post = Post(f"{self.page['id']}_{self.sim.ids.fb_id()}", message, now, self._next())
            self.posts[post.id] = post
            self._publish(kind="post", id=post.id, text=message, in_reply_to=None)
            return self._render_post(post, None)

    def add_comment(
        self,
        *,
        message: str,
        author: dict[str, Any] | None = None,
        post_id: str | None = None,
        parent_id: str | None = None,
    ) -> dict[str, Any]:
        """A customer's comment on a Page post (or a reply under a comment); sends a webhook."""
        with self.sim.lock:
            customer = self._customer(author)
            if parent_id:
                parent = self.comments[parent_id]
                post = self.posts[parent.post_id]
            elif post_id:
                post = self.posts[post_id]
                parent = None
            else:
                post = self._latest_post()
                parent = None
            comment = self._new_comment(post, parent, message, customer)
            return self._comment_summary(comment)

    def edit_comment(self, *, comment_id: str, message: str) -> dict[str, Any]:
        with self.sim.lock:
            comment = self._live_comment(comment_id)
            comment.message = message
            self._feed_webhook(comment, "edited")
            return self._comment_summary(comment)

    def remove_comment(self, *, comment_id: str) -> None:
        with self.sim.lock:
            comment = self._live_comment(comment_id)
            comment.deleted = True
            self._feed_webhook(comment, "remove")

    def add_messenger_message(
        self, *, text: str, sender: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """A customer's Messenger message to the Page; opens the 24 h window; sends a webhook."""
        with self.sim.lock:
            customer = self._customer(sender)
            now = self.sim.clock.now()
            conversation = self._conversation_for(customer)
            message = self._add_message(conversation, customer, self.page, text, [])
            conversation.last_customer_at = now
            self.webhooks.enqueue(
                messaging_entry(
                    page_id=self.page["id"],
                    sender_id=customer["id"],
                    recipient_id=self.page["id"],
                    mid=message.id,
                    seq=self._next_mseq(),
                    text=text,
                    attachments=None,
                    now=now,
                )
            )
            return {
                "id": message.id,
                "mid": message.id,
                "text": text,
                "sender": dict(customer),
                "conversation_id": conversation.id,
                "created_time": fb_time(now),
                "timestamp": int(now * 1000),
            }

    def latest_page_replies(self, n: int) -> list[dict[str, Any]]:
        """The Page's newest replies under customers' comments, newest first."""
        with self.sim.lock:
            found: list[dict[str, Any]] = []
            for comment in reversed(list(self.comments.values())):
                if len(found) >= n:
                    break
                if comment.author["id"] != self.page["id"] or comment.parent_id is None:
                    continue
                parent = self.comments[comment.parent_id]
                if parent.author["id"] == self.page["id"]:
                    continue
                found.append(
                    {
                        "id": comment.id,
                        "parent_id": comment.parent_id,
                        "post_id": comment.post_id,
                        "message": comment.message,
                        "created_time": fb_time(comment.created),
                        "to": {"id": parent.author["id"], "name": parent.author["name"]},
                        "attachment": comment.attachment,
                    }
                )
            return found

    def _latest_post(self) -> Post:
        if not self.posts:
            self.add_page_post(message="Ada pertanyaan tentang layanan kami? Tulis di komentar.")
        return max(self.posts.values(), key=lambda p: p.seq)
