"""Task routes: create, read, list, replace, update and delete.

A task that does not exist for the caller raises ``TaskNotFoundError`` in the repository,
which the error handlers answer with a 404.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response, status

from ..errors import BAD_BODY, ErrorResponse
from ..orm import MAX_ID
from ..schemas import TaskCreate, TaskPage, TaskQuery, TaskRead, TaskUpdate
from .deps import TaskRepositoryDep

router = APIRouter(prefix="/tasks", tags=["tasks"])

TaskId = Annotated[int, Path(ge=1, le=MAX_ID, description="The task's id.")]
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    status.HTTP_404_NOT_FOUND: {"model": ErrorResponse, "description": "No such task."}
}


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_description="The created task; its URL is in the Location header.",
    responses=BAD_BODY,
)
async def create_task(
    data: TaskCreate, tasks: TaskRepositoryDep, request: Request, response: Response
) -> TaskRead:
    task = await tasks.create(data)
    response.headers["Location"] = str(request.url_for("get_task", task_id=task.id))
    return task


@router.get("")
async def list_tasks(query: Annotated[TaskQuery, Query()], tasks: TaskRepositoryDep) -> TaskPage:
    return await tasks.page(query)


@router.get("/{task_id}", responses=NOT_FOUND)
async def get_task(task_id: TaskId, tasks: TaskRepositoryDep) -> TaskRead:
    return await tasks.get(task_id)


@router.put("/{task_id}", responses={**NOT_FOUND, **BAD_BODY})
async def replace_task(task_id: TaskId, data: TaskCreate, tasks: TaskRepositoryDep) -> TaskRead:
    return await tasks.replace(task_id, data)


@router.patch("/{task_id}", responses={**NOT_FOUND, **BAD_BODY})
async def update_task(task_id: TaskId, data: TaskUpdate, tasks: TaskRepositoryDep) -> TaskRead:
    return await tasks.update(task_id, data)


@router.delete("/{task_id}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND)
async def delete_task(task_id: TaskId, tasks: TaskRepositoryDep) -> None:
    await tasks.delete(task_id)
