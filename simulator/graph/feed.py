"""The Page feed and its comments: listing, replying, hiding, rendering, feed webhooks."""

from __future__ import annotations

from typing import Any

from simulator.fb_webhooks import comment_change, feed_entry
from simulator.graph.errors import GraphError
from simulator.graph.query import FieldSpec, GraphPaging, _as_bool, _Context, parse_fields
from simulator.graph.state import PRIVATE_REPLY_WINDOW, Comment, Post, fb_time
from simulator.x.media import image_info


def uploaded_photo(upload: Any, *, photo_id: str) -> dict[str, Any] | None:
    """A multipart image (`source`, `filedata`) kept as a Page photo; None if not an image."""
    info = image_info(upload.read()) if hasattr(upload, "read") else None
    if info is None:
        return None
    mime, width, height = info
    extension = {"image/jpeg": "jpg", "image/png": "png", "image/gif": "gif"}[mime]
    src = f"https://scontent.xx.fbcdn.net/v/t39.30808-6/{photo_id}_n.{extension}"
    return {"id": photo_id, "mime": mime, "width": width, "height": height, "src": src}


def comment_attachment(photo: dict[str, Any]) -> dict[str, Any]:
    # graph-api/reference/comment `attachment` (a StoryAttachment): type photo, media, target.
    url = f"https://www.facebook.com/photo.php?fbid={photo['id']}"
    image = {"height": photo["height"], "src": photo["src"], "width": photo["width"]}
    return {
        "media": {"image": image},
        "target": {"id": photo["id"], "url": url},
        "type": "photo",
        "url": url,
    }


class GraphFeed(GraphPaging):
    """Feed and comment edges of the Graph API."""

    # --- feed and comments ---------------------------------------------------------------
    def _feed(self, ctx: _Context) -> dict[str, Any]:
        posts = sorted(self.posts.values(), key=lambda p: p.seq, reverse=True)
        posts = self._time_filter(posts, ctx.data, lambda p: p.created)
        fields = parse_fields(ctx.data.get("fields"))
        return self._page(
            ctx,
            f"{self.page['id']}/feed",
            [(p.seq, p) for p in posts],
            ctx.data,
            descending=True,
            render=lambda p: self._render_post(p, fields, ctx),
        )

    def _comments(self, ctx: _Context, node: str, params: dict[str, Any]) -> dict[str, Any]:
        stream = params.get("filter") == "stream"
        order = str(params.get("order") or "chronological")
        if node in self.posts:
            found = [c for c in self.comments.values() if c.post_id == node]
            if not stream:
                found = [c for c in found if c.parent_id is None]
        else:
            found = [c for c in self.comments.values() if c.parent_id == node]
        visible = [c for c in found if not c.deleted and not self._parent_deleted(c)]
        visible = self._time_filter(visible, params, lambda c: c.created)
        descending = order == "reverse_chronological"
        visible.sort(key=lambda c: c.seq, reverse=descending)
        fields = parse_fields(params.get("fields"))
        result = self._page(
            ctx,
            f"{node}/comments",
            [(c.seq, c) for c in visible],
            params,
            descending=descending,
            render=lambda c: self._render_comment(c, fields, ctx),
        )
        if _as_bool(params.get("summary", False)):
            # v5_0/post-with-comment.json
            result["summary"] = {"order": order, "total_count": len(visible), "can_comment": True}
        return result

    def _reply(self, node: str, data: dict[str, Any]) -> dict[str, Any]:
        message = str(data.get("message") or "")
        source = data.get("source")  # an image as multipart form data
        if not message and not data.get("attachment_url") and source is None:
            raise GraphError(400, self._error("(#100) Missing message or attachment", code=100))
        photo = None
        if source is not None:
            photo = uploaded_photo(source, photo_id=self.sim.ids.fb_id())
            if photo is None:
                raise GraphError(400, self._error("(#324) Missing or invalid image file", code=324))
        target_comment = self.comments.get(node)
        if target_comment is not None:
            top = self.comments[target_comment.parent_id] if target_comment.parent_id else None
            parent = top or target_comment
            post = self.posts[target_comment.post_id]
        else:
            parent, post = None, self.posts[node]
        comment = self._new_comment(post, parent, message, self.page)
        comment.attachment = photo
        target_author = target_comment.author if target_comment else self.page
        self._publish(
            kind="comment",
            id=comment.id,
            text=message,
            in_reply_to=node,
            post_id=post.id,
            parent_id=comment.parent_id,
            to={"id": target_author["id"], "name": target_author["name"]},
            attachment=photo,
        )
        return {"id": comment.id}

    def _update_comment(self, comment: Comment, data: dict[str, Any]) -> dict[str, Any]:
        if "is_hidden" in data:
            hidden = _as_bool(data["is_hidden"])
            comment.is_hidden = hidden
            self._publish(
                kind="hide", id=comment.id, text=None, in_reply_to=comment.id, hidden=hidden
            )
            self._feed_webhook(comment, "hide" if hidden else "unhide")
            return {"success": True}
        if "message" in data and comment.author["id"] == self.page["id"]:
            comment.message = str(data["message"])
            self._feed_webhook(comment, "edited")
            return {"success": True}
        raise GraphError(400, self._error("(#100) Invalid parameter", code=100))

    def _new_comment(
        self, post: Post, parent: Comment | None, message: str, author: dict[str, str]
    ) -> Comment:
        post_object = post.id.split("_", 1)[1]
        comment = Comment(
            id=f"{post_object}_{self.sim.ids.fb_id()}",
            post_id=post.id,
            parent_id=parent.id if parent else None,
            message=message,
            author={"id": author["id"], "name": author["name"]},
            created=self.sim.clock.now(),
            seq=self._next(),
        )
        self.comments[comment.id] = comment
        self._feed_webhook(comment, "add")
        return comment

    def _feed_webhook(self, comment: Comment, verb: str) -> None:
        now = self.sim.clock.now()
        change = comment_change(
            verb=verb,
            comment_id=comment.id,
            post_id=comment.post_id,
            parent_id=comment.parent_id or comment.post_id,
            author=comment.author,
            message=comment.message,
            created_time=comment.created,
        )
        self.webhooks.enqueue(feed_entry(page_id=self.page["id"], change=change, now=now))

    def _like(self, node: str, *, liked: bool) -> dict[str, Any]:
        """POST (or DELETE) /{post-or-comment-id}/likes: the Page likes it (or no longer).

        Liking twice is still `{"success": true}`; only a change is published.
        """
        target: Post | Comment = self.posts[node] if node in self.posts else self.comments[node]
        if target.liked_by_page != liked:
            target.liked_by_page = liked
            self._publish(kind="like" if liked else "unlike", id=node, text=None, in_reply_to=node)
        return {"success": True}

    def _likes(self, node: str) -> dict[str, Any]:
        """GET /{id}/likes: who liked it; only the Page's own like is simulated."""
        target: Post | Comment = self.posts[node] if node in self.posts else self.comments[node]
        data = [dict(self.page)] if target.liked_by_page else []
        return {"data": data, "summary": {"total_count": len(data), "has_liked": bool(data)}}

    # --- rendering ---------------------------------------------------------------------------
    def _render_post(
        self, post: Post, fields: dict[str, FieldSpec] | None, ctx: _Context | None = None
    ) -> dict[str, Any]:
        values: dict[str, Any] = {
            "created_time": fb_time(post.created),
            "message": post.message,
            "id": post.id,
            "from": {"name": self.page["name"], "id": self.page["id"]},
            "updated_time": fb_time(post.created),
            "permalink_url": f"https://www.facebook.com/{post.id.replace('_', '/posts/')}",
            "status_type": "mobile_status_update",
            "is_hidden": False,
            "is_published": True,
        }
        result = self._pick(values, fields, ("created_time", "message", "id"))
        if fields and "comments" in fields and ctx is not None:
            spec = fields["comments"]
            result["comments"] = self._nested_comments(ctx, post.id, spec)
        return result

    def _nested_comments(self, ctx: _Context, node: str, spec: FieldSpec) -> dict[str, Any]:
        params: dict[str, Any] = dict(spec.mods)
        if spec.sub:
            params["fields"] = ",".join(spec.sub)
        return self._comments(ctx, node, params)

    def _render_comment(
        self, comment: Comment, fields: dict[str, FieldSpec] | None, ctx: _Context | None = None
    ) -> dict[str, Any]:
        by_page = comment.author["id"] == self.page["id"]
        values: dict[str, Any] = {
            "created_time": fb_time(comment.created),
            "from": {"name": comment.author["name"], "id": comment.author["id"]},
            "message": comment.message,
            "id": comment.id,
            "is_hidden": comment.is_hidden,
            "can_hide": not by_page,
            "can_remove": True,
            "can_comment": comment.parent_id is None,
            "can_reply_privately": (
                not by_page
                and comment.private_reply_at is None
                and self.sim.clock.now() - comment.created <= PRIVATE_REPLY_WINDOW
            ),
            "comment_count": sum(
                1 for c in self.comments.values() if c.parent_id == comment.id and not c.deleted
            ),
            "like_count": int(comment.liked_by_page),
            "user_likes": comment.liked_by_page,
            "is_private": False,
            "permalink_url": f"https://www.facebook.com/{comment.post_id.replace('_', '/posts/')}"
            f"?comment_id={comment.id.split('_', 1)[1]}",
            "object": {"id": comment.post_id.split("_", 1)[1]},
        }
        if comment.parent_id:
            parent = self.comments[comment.parent_id]
            values["parent"] = {
                "created_time": fb_time(parent.created),
                "from": {"name": parent.author["name"], "id": parent.author["id"]},
                "message": parent.message,
                "id": parent.id,
            }
        if comment.attachment:
            values["attachment"] = comment_attachment(comment.attachment)
        result = self._pick(values, fields, ("created_time", "from", "message", "id"))
        if fields and "comments" in fields and ctx is not None:
            result["comments"] = self._nested_comments(ctx, comment.id, fields["comments"])
        return result

    def _comment_summary(self, comment: Comment) -> dict[str, Any]:
        """What the world methods return: the Graph comment plus where it sits."""
        rendered = self._render_comment(comment, None)
        return {**rendered, "post_id": comment.post_id, "parent_id": comment.parent_id}
